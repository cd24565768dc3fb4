// Several header fields found in one pass over a HeaderView, instead of one
// scan per name: the first value of each and how many lines carry it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "headers.h"

namespace freshet {

// `classify(name)` gives the index in `names` of a field name (compared
// case-insensitively, RFC 9110 section 5.1), or N for any other field;
// switching on the length first keeps the pass cheap.
template <size_t N>
class FieldIndex {
 public:
  using Classify = size_t (*)(std::string_view);
  FieldIndex(const HeaderView& headers, const std::array<std::string_view, N>& names,
             Classify classify)
      : headers_(headers), names_(names) {
    for (const auto& f : headers.fields()) {
      const size_t i = classify(f.name);
      if (i < N && count_[i]++ == 0) first_[i] = &f.value;
    }
  }

  // First value of names[i], or nullptr when absent.
  const std::string_view* find(size_t i) const { return first_[i]; }
  bool has(size_t i) const { return first_[i] != nullptr; }
  size_t count(size_t i) const { return count_[i]; }
  // HeaderView::joined for names[i].
  std::string_view joined(size_t i, std::string& buf) const {
    if (count_[i] <= 1) return first_[i] ? *first_[i] : std::string_view{};
    buf = headers_.combined(names_[i]);
    return buf;
  }

 private:
  const HeaderView& headers_;
  const std::array<std::string_view, N>& names_;
  std::array<const std::string_view*, N> first_{};
  std::array<uint32_t, N> count_{};
};

}  // namespace freshet
