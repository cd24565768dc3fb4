// Test helpers: input records of the C ABI (docs/abi.md "Input records").
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../../bindings/freshet_abi.h"

// Appends a string list: u32 count, then u32 length + bytes per string.
inline void putList(std::vector<uint8_t>& out, const std::vector<std::string>& items) {
  auto u32 = [&out](uint32_t v) {
    uint8_t b[4];
    std::memcpy(b, &v, 4);
    out.insert(out.end(), b, b + 4);
  };
  u32(static_cast<uint32_t>(items.size()));
  for (const auto& s : items) {
    u32(static_cast<uint32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
}

// Copies `bytes` into the engine's input buffer; returns their length.
inline uint32_t send(const std::vector<uint8_t>& bytes) {
  uint8_t* in = fr_input(static_cast<uint32_t>(bytes.size()));
  if (!bytes.empty()) std::memcpy(in, bytes.data(), bytes.size());
  return static_cast<uint32_t>(bytes.size());
}
