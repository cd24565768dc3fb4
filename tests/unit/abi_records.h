// Test helpers: input records of the C ABI (docs/abi.md "Input records").
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../../bindings/freshet_abi.h"

// Appends a string list: the decimal count, then the strings, each followed
// by a NUL byte.
inline void putList(std::vector<uint8_t>& out, const std::vector<std::string>& items) {
  auto put = [&out](const std::string& s) {
    out.insert(out.end(), s.begin(), s.end());
    out.push_back(0);
  };
  put(std::to_string(items.size()));
  for (const auto& s : items) put(s);
}

// The empty request list: "the request given in full by an earlier call".
inline void putKeptRequest(std::vector<uint8_t>& out) {
  putList(out, {});
}

// Copies `bytes` into the engine's input buffer; returns their length.
inline uint32_t send(const std::vector<uint8_t>& bytes) {
  uint8_t* in = fr_input(static_cast<uint32_t>(bytes.size()));
  if (!bytes.empty()) std::memcpy(in, bytes.data(), bytes.size());
  return static_cast<uint32_t>(bytes.size());
}
