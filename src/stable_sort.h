// One small stable sort for the engine's vectors (query parameters, Vary
// names, manifest diagnostics): insertion sort on runs of 16, then
// bottom-up merges, n log n for hostile inputs. Smaller in wasm than
// std::sort / std::stable_sort instantiated once per element type.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace freshet {

template <typename T, typename Less>
void stableSort(std::vector<T>& v, Less less) {
  constexpr size_t kRun = 16;
  const size_t n = v.size();
  for (size_t lo = 0; lo < n; lo += kRun) {
    const size_t hi = std::min(n, lo + kRun);
    for (size_t i = lo + 1; i < hi; ++i) {
      T x = std::move(v[i]);
      size_t j = i;
      for (; j > lo && less(x, v[j - 1]); --j) v[j] = std::move(v[j - 1]);
      v[j] = std::move(x);
    }
  }
  if (n <= kRun) return;
  std::vector<T> tmp(n);
  for (size_t width = kRun; width < n; width *= 2) {
    for (size_t lo = 0; lo + width < n; lo += 2 * width) {
      const size_t mid = lo + width, hi = std::min(n, lo + 2 * width);
      size_t a = lo, b = mid, w = lo;
      // Ties take the left run first: equal elements keep their order.
      while (a < mid && b < hi) tmp[w++] = std::move(less(v[b], v[a]) ? v[b++] : v[a++]);
      while (a < mid) tmp[w++] = std::move(v[a++]);
      while (b < hi) tmp[w++] = std::move(v[b++]);
      std::move(tmp.begin() + static_cast<std::ptrdiff_t>(lo),
                tmp.begin() + static_cast<std::ptrdiff_t>(hi),
                v.begin() + static_cast<std::ptrdiff_t>(lo));
    }
  }
}

template <typename T>
void stableSort(std::vector<T>& v) {
  stableSort(v, [](const T& a, const T& b) { return a < b; });
}

}  // namespace freshet
