// A minimal JSON writer for the engine's configuration output (route_info):
// compact, as nlohmann's dump() writes it, without instantiating its
// object building for every field. Callers write object members in sorted
// key order (dump() orders them so: its objects are std::map).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text.h"

namespace freshet {

class JsonWriter {
 public:
  std::string take() { return std::move(out_); }

  JsonWriter& open() { return put('{'); }
  JsonWriter& close() {
    out_ += '}';
    first_ = false;
    return *this;
  }
  // The next member's name.
  JsonWriter& key(std::string_view k) {
    string(k);  // preceded by ',' unless first
    out_ += ':';
    first_ = true;  // the value that follows takes no comma
    return *this;
  }
  JsonWriter& string(std::string_view s) {
    // RFC 8259 section 7: '"', '\' and control characters escaped, as
    // dump() does (short forms where JSON has them, else \u00xx); other
    // bytes as they are (the manifest parser accepted only valid UTF-8).
    static constexpr char kHex[] = "0123456789abcdef";
    separate();
    out_ += '"';
    for (const char c : s) {
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            out_ += "\\u00";
            out_ += kHex[(c >> 4) & 1];
            out_ += kHex[c & 15];
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
    first_ = false;
    return *this;
  }
  JsonWriter& number(int64_t v) {
    separate();
    char buf[21];
    out_.append(buf, writeDecimal(buf, v));
    first_ = false;
    return *this;
  }
  JsonWriter& boolean(bool b) { return raw(b ? "true" : "false"); }
  JsonWriter& null() { return raw("null"); }
  JsonWriter& strings(const std::vector<std::string>& items) {
    put('[');
    for (const auto& s : items) string(s);
    out_ += ']';
    first_ = false;
    return *this;
  }
  JsonWriter& beginArray() { return put('['); }
  JsonWriter& endArray() {
    out_ += ']';
    first_ = false;
    return *this;
  }

 private:
  void separate() {
    if (!first_) out_ += ',';
  }
  JsonWriter& put(char c) {
    separate();
    out_ += c;
    first_ = true;
    return *this;
  }
  JsonWriter& raw(std::string_view text) {
    separate();
    out_ += text;
    first_ = false;
    return *this;
  }

  std::string out_;
  bool first_ = true;  // nothing written yet at this level
};

}  // namespace freshet
