// The C ABI of bindings/freshet_abi.h, forwarded to a freshet.wasm module
// translated to C by wabt's wasm2c: bench/native/driver.cc linked with this
// runs the module's own code (either build) natively, so that callgrind
// counts the wasm instructions a decision executes. Counts, unlike times,
// repeat on a loaded machine; they compare the two builds and show what a
// change to the sources does to the module (docs/performance.md).
//   bench/wasm2c/build.sh <freshet.wasm> <out>
#include <cstdlib>

#include "freshet_abi.h"
extern "C" {
#include "module.h"
}

namespace {

Z_freshet_instance_t instance;
bool ready = false;
const fr_result* last = nullptr;

#ifdef FRESHET_WASM_IMPORTS_WASI
}  // namespace
// The Emscripten build imports proc_exit (its abort path); never called.
struct Z_wasi_snapshot_preview1_instance_t {
  int unused;
};
extern "C" void Z_wasi_snapshot_preview1Z_proc_exit(Z_wasi_snapshot_preview1_instance_t*, u32) {
  std::abort();
}
namespace {
Z_wasi_snapshot_preview1_instance_t wasi;
void instantiate() {
  Z_freshet_instantiate(&instance, &wasi);
}
#else
void instantiate() {
  Z_freshet_instantiate(&instance);
}
#endif

uint8_t* memory() {
  return Z_freshetZ_memory(&instance)->data;
}

void init() {
  if (ready) return;
  wasm_rt_init();
  Z_freshet_init_module();
  instantiate();
  Z_freshetZ__initialize(&instance);
  ready = true;
}

// fr_result has the same layout in linear memory and here (fixed-width
// fields, 32-bit string addresses).
const fr_result* result(u32 ptr) {
  last = reinterpret_cast<const fr_result*>(memory() + ptr);
  return last;
}

}  // namespace

extern "C" {
uint32_t fr_abi_version(void) {
  init();
  return Z_freshetZ_fr_abi_version(&instance);
}
uint8_t* fr_input(uint32_t size) {
  init();
  return memory() + Z_freshetZ_fr_input(&instance, size);
}
const fr_result* fr_load_manifest(uint32_t len) {
  return result(Z_freshetZ_fr_load_manifest(&instance, len));
}
const fr_result* fr_request(uint32_t len) {
  return result(Z_freshetZ_fr_request(&instance, len));
}
const fr_result* fr_lookup(uint32_t len, int32_t route, double now_ms, double hard_ms,
                           double soft_ms, double unproven_ms) {
  return result(Z_freshetZ_fr_lookup(&instance, len, static_cast<u32>(route), now_ms, hard_ms,
                                     soft_ms, unproven_ms));
}
const fr_result* fr_store(uint32_t len, int32_t route, double request_time_ms,
                          double response_time_ms) {
  return result(Z_freshetZ_fr_store(&instance, len, static_cast<u32>(route), request_time_ms,
                                    response_time_ms));
}
const fr_result* fr_manifest_info(void) {
  init();
  return result(Z_freshetZ_fr_manifest_info(&instance));
}
const char* fr_native_str(uint32_t slot) {
  return reinterpret_cast<const char*>(memory() + last->strs[slot].ptr);
}
}
