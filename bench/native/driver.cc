// Runs the bench corpus through the C ABI natively: the same calls the
// worker makes per request (fr_request, fr_store, fr_lookup), `iterations`
// times over the corpus. Under callgrind the instruction count per decision
// is (Ir(N) - Ir(0)) / (N * cases): start-up and the manifest parse cancel.
//   freshet_bench <manifest.json> <corpus.json> <iterations>
//   freshet_bench <manifest.json> <corpus.json> dump
// "dump" prints every result of one pass instead (to diff two builds).
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "freshet_abi.h"

namespace {

std::string readFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A string list of docs/abi.md: the decimal count, then the strings, each
// followed by a NUL byte.
void putList(std::string& out, const std::vector<std::string>& items) {
  out += std::to_string(items.size());
  out.push_back('\0');
  for (const auto& s : items) {
    out += s;
    out.push_back('\0');
  }
}

const fr_result* call(const std::string& input, const fr_result* (*fn)(uint32_t)) {
  std::memcpy(fr_input(static_cast<uint32_t>(input.size())), input.data(), input.size());
  return fn(static_cast<uint32_t>(input.size()));
}

void write(const std::string& input) {
  std::memcpy(fr_input(static_cast<uint32_t>(input.size())), input.data(), input.size());
}

void dump(const char* call, const fr_result* r) {
  std::printf(
      "%s st=%u act=%u rsn=%u rt=%d fl=%u age=%g ttl=%g swr=%g sie=%g pttl=%g life=%g src=%u", call,
      r->status, r->action, r->reason, r->route, r->flags, r->age, r->ttl,
      r->stale_while_revalidate, r->stale_if_error, r->platform_ttl, r->lifetime,
      r->lifetime_source);
  for (uint32_t i = 0; i < FR_STR_SLOTS; i++) {
    std::printf(" s%u=[%.*s]", i, static_cast<int>(r->strs[i].len), fr_native_str(i));
  }
  std::printf("\n");
}

struct Case {
  std::string request;   // request list, the fields the manifest reads
  std::string varied;    // request list, those and the fields the response's Vary names
  std::string response;  // response list, the fields a store decision reads
  bool vary = false;     // the response has Vary
};

// The lower-case names of a Vary value, as worker/engine.js varyFieldNames
// reads them (split on ',', trimmed).
std::set<std::string> varyNames(const std::string& value) {
  std::set<std::string> out;
  std::stringstream in(value);
  std::string part;
  while (std::getline(in, part, ',')) {
    const size_t b = part.find_first_not_of(" \t");
    const size_t e = part.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    std::string name = part.substr(b, e - b + 1);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.insert(name);
  }
  return out;
}

std::set<std::string> namesIn(const nlohmann::json& list) {
  std::set<std::string> out;
  for (const auto& n : list) out.insert(n.get<std::string>());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: freshet_bench <manifest.json> <corpus.json> <iterations>\n");
    return 2;
  }
  const std::string manifest = readFile(argv[1]);
  const auto corpus = nlohmann::json::parse(readFile(argv[2]), nullptr, false);
  const bool dumping = std::strcmp(argv[3], "dump") == 0;
  const long iterations = dumping ? 1 : std::atol(argv[3]);
  if (corpus.is_discarded()) return 2;
  std::memcpy(fr_input(static_cast<uint32_t>(manifest.size())), manifest.data(), manifest.size());
  if (fr_load_manifest(static_cast<uint32_t>(manifest.size()))->status != 0) {
    std::fprintf(stderr, "manifest rejected\n");
    return 1;
  }
  // As worker/engine.js does: only the fields the engine reads cross
  // (the manifest's request fields; and those the Vary names where a
  // response has Vary, whose variant id reads them).
  const fr_result* info = fr_manifest_info();
  const auto fields = nlohmann::json::parse(
      std::string(fr_native_str(FR_STR_INFO), info->strs[FR_STR_INFO].len), nullptr, false);
  const std::set<std::string> request_fields = namesIn(fields["requestFields"]);
  const std::set<std::string> response_fields = namesIn(fields["responseFields"]);
  std::vector<Case> cases;
  for (const auto& c : corpus) {
    Case k;
    std::vector<std::string> resp{std::to_string(c["status"].get<int>())};
    std::set<std::string> named;
    for (const auto& h : c["response"]) {
      const std::string name = h[0].get<std::string>();
      if (response_fields.count(name) == 0) continue;
      if (name == "vary") {
        k.vary = true;
        named = varyNames(h[1].get<std::string>());
      }
      resp.push_back(name);
      resp.push_back(h[1].get<std::string>());
    }
    std::vector<std::string> req{c["method"].get<std::string>(), c["url"].get<std::string>()};
    std::vector<std::string> varied = req;
    for (const auto& h : c["request"]) {
      const std::string name = h[0].get<std::string>();
      const bool read = request_fields.count(name) != 0 || name[0] == ':';
      if (read || named.count(name) != 0) {
        varied.push_back(name);
        varied.push_back(h[1].get<std::string>());
      }
      if (!read) continue;
      req.push_back(name);
      req.push_back(h[1].get<std::string>());
    }
    putList(k.request, req);
    putList(k.varied, varied);
    putList(k.response, resp);
    cases.push_back(std::move(k));
  }
  const double t1 = 1700000000040.0;
  const double t2 = 1700000010000.0;
  // Prepared once (outside the counted loop): the store and lookup records.
  // As in the worker, they refer to the request just given in full with an
  // empty request list (the engine keeps it).
  std::string kept;
  putList(kept, {});
  std::vector<std::string> stores;
  std::vector<std::string> lookups;
  for (const auto& k : cases) {
    const int32_t route = call(k.request, fr_request)->route;
    stores.push_back((k.vary ? k.varied : kept) + k.response);
    write(stores.back());
    const fr_result* sd = fr_store(static_cast<uint32_t>(stores.back().size()), route, t1 - 40, t1);
    std::string lookup = kept;
    putList(lookup, {std::string(fr_native_str(FR_STR_META), sd->strs[FR_STR_META].len)});
    lookups.push_back(std::move(lookup));
  }
  unsigned long checksum = 0;
  for (long i = 0; i < iterations; i++) {
    for (size_t c = 0; c < cases.size(); c++) {
      const fr_result* rd = call(cases[c].request, fr_request);
      const int32_t route = rd->route;
      checksum += rd->action;
      if (dumping) dump("request", rd);
      write(stores[c]);
      const fr_result* sd = fr_store(static_cast<uint32_t>(stores[c].size()), route, t1 - 40, t1);
      checksum += sd->action;
      if (dumping) dump("store", sd);
      write(lookups[c]);
      const fr_result* ld = fr_lookup(static_cast<uint32_t>(lookups[c].size()), route, t2, 0, 0, 0);
      checksum += ld->action;
      if (dumping) dump("lookup", ld);
    }
  }
  std::printf("cases=%zu iterations=%ld checksum=%lu\n", cases.size(), iterations, checksum);
  return 0;
}
