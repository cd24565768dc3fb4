// A read-only view of HTTP header fields as the worker hands them over.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "text.h"

namespace freshet {

struct HeaderField {
  std::string_view name;  // as received; compared case-insensitively
  std::string_view value;
};

// Fields in arrival order. The platform's Headers object already combines
// repeated fields with ", " (RFC 9110 section 5.3), except Set-Cookie.
class HeaderView {
 public:
  HeaderView() = default;
  explicit HeaderView(std::vector<HeaderField> fields) : fields_(std::move(fields)) {}

  void add(std::string_view name, std::string_view value) { fields_.push_back({name, value}); }
  // Forgets the fields, keeps the storage (the ABI reuses one view per call).
  void clear() { fields_.clear(); }
  // Makes room for exactly `n` fields, to be filled in place by the caller.
  HeaderField* resize(size_t n) {
    fields_.resize(n);
    return fields_.data();
  }

  // First value of the field, or nullptr when absent.
  const std::string_view* find(std::string_view name) const {
    for (const auto& f : fields_) {
      if (equalsIgnoreCase(f.name, name)) return &f.value;
    }
    return nullptr;
  }
  bool has(std::string_view name) const { return find(name) != nullptr; }
  std::string_view get(std::string_view name) const {
    const auto* v = find(name);
    return v ? *v : std::string_view{};
  }
  // All values of the field joined with ", " (list-based fields).
  std::string combined(std::string_view name) const {
    std::string out;
    for (const auto& f : fields_) {
      if (!equalsIgnoreCase(f.name, name)) continue;
      if (!out.empty()) out += ", ";
      out += f.value;
    }
    return out;
  }
  // The same list without a copy when the field occurs once (the common
  // case: the platform already combined repeated lines, RFC 9110 5.3);
  // otherwise the values are joined into `buf` and the result views it.
  std::string_view joined(std::string_view name, std::string& buf) const {
    const std::string_view* only = nullptr;
    size_t n = 0;
    for (const auto& f : fields_) {
      if (equalsIgnoreCase(f.name, name) && n++ == 0) only = &f.value;
    }
    if (n <= 1) return only ? *only : std::string_view{};
    buf = combined(name);
    return buf;
  }
  size_t count(std::string_view name) const {
    size_t n = 0;
    for (const auto& f : fields_) n += equalsIgnoreCase(f.name, name) ? 1 : 0;
    return n;
  }
  const std::vector<HeaderField>& fields() const { return fields_; }

 private:
  std::vector<HeaderField> fields_;
};

}  // namespace freshet
