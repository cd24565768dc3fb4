#include "tags.h"

namespace freshet {

std::string expandTags(const std::vector<std::string>& templates,
                       const std::vector<std::pair<std::string_view, std::string_view>>& params) {
  std::string out;
  for (const auto& t : templates) {
    if (!out.empty()) out += ',';
    size_t pos = 0;
    while (pos < t.size()) {
      const size_t open = t.find('{', pos);
      const size_t close = open == std::string::npos ? open : t.find('}', open);
      if (close == std::string::npos) {
        out.append(t, pos, std::string::npos);
        break;
      }
      out.append(t, pos, open - pos);
      const std::string_view name = std::string_view(t).substr(open + 1, close - open - 1);
      for (const auto& [k, v] : params) {
        if (k == name) {
          // Tags are comma-separated: a param value never adds a separator.
          for (char c : v) out += (c == ',' || c == ' ') ? '_' : c;
          break;
        }
      }
      pos = close + 1;
    }
  }
  return out;
}

}  // namespace freshet
