/* Definitions that keep the wasm module free of imports. libc++'s abort
 * paths reference WASI fd calls; the engine never performs I/O, so writes
 * are swallowed. Compiled as C (docs/build.md). */
#include <stddef.h>
#include <stdint.h>

int32_t __wasi_fd_write(int32_t fd, const void* iovs, size_t iovs_len, size_t* nwritten) {
  (void)fd;
  (void)iovs;
  (void)iovs_len;
  if (nwritten) *nwritten = 0;
  return 0;
}

int32_t __wasi_fd_seek(int32_t fd, int64_t offset, int32_t whence, uint64_t* newoffset) {
  (void)fd;
  (void)offset;
  (void)whence;
  if (newoffset) *newoffset = 0;
  return 70; /* ESPIPE */
}

int32_t __wasi_fd_close(int32_t fd) {
  (void)fd;
  return 0;
}

uintptr_t __stack_chk_guard = 0x5a17f00d;

_Noreturn void __stack_chk_fail(void) { __builtin_trap(); }
