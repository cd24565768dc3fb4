#include "structured_field.h"

namespace freshet::sf {
namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isLcAlpha(char c) {
  return c >= 'a' && c <= 'z';
}
bool isAlpha(char c) {
  return isLcAlpha(c) || (c >= 'A' && c <= 'Z');
}

// tchar (RFC 9110 section 5.6.2).
bool isTchar(char c) {
  if (isAlpha(c) || isDigit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

// key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )
bool isKeyChar(char c) {
  return isLcAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c == '*';
}

bool isBase64(char c) {
  return isAlpha(c) || isDigit(c) || c == '+' || c == '/' || c == '=';
}

// The parsing algorithms of RFC 8941 section 4.2 over one input; each step
// answers false after recording the first error.
class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in) {}

  bool empty() const { return pos_ >= in_.size(); }
  char peek() const { return empty() ? '\0' : in_[pos_]; }
  size_t pos() const { return pos_; }
  ParseError error() const { return error_; }

  bool fail(ParseError e) {
    if (error_ == ParseError::kNone) {
      error_ = e;
      error_at_ = pos_;
    }
    return false;
  }
  size_t errorOffset() const { return error_at_; }

  void skipSp() {
    while (!empty() && in_[pos_] == ' ') ++pos_;
  }
  // OWS (RFC 9110 5.6.3): SP and HTAB.
  void skipOws() {
    while (!empty() && (in_[pos_] == ' ' || in_[pos_] == '\t')) ++pos_;
  }

  // 4.2.2
  bool dictionary(std::vector<Member>& out) {
    while (!empty()) {
      Member m;
      if (!key(m.key)) return false;
      if (peek() == '=') {
        ++pos_;
        if (!itemOrInnerList(m)) return false;
      } else {
        m.item.value = BareItem{};  // Boolean true
        if (!parameters(m.item.params)) return false;
      }
      put(out, std::move(m));
      skipOws();
      if (empty()) return true;
      if (in_[pos_] != ',') return fail(ParseError::kExpectedComma);
      ++pos_;
      skipOws();
      if (empty()) return fail(ParseError::kTrailingComma);
    }
    return true;
  }

  // 4.2.3.2
  bool parameters(Parameters& out) {
    while (peek() == ';') {
      ++pos_;
      skipSp();
      Parameter p;
      if (!key(p.key)) return false;
      if (peek() == '=') {
        ++pos_;
        if (!bareItem(p.value)) return false;
      }
      bool replaced = false;
      for (auto& q : out) {
        if (q.key == p.key) {
          q.value = std::move(p.value);
          replaced = true;
          break;
        }
      }
      if (!replaced) out.push_back(std::move(p));
    }
    return true;
  }

 private:
  // A repeated key keeps its place and takes the new value (4.2.2).
  static void put(std::vector<Member>& out, Member m) {
    for (auto& old : out) {
      if (old.key == m.key) {
        old = std::move(m);
        return;
      }
    }
    out.push_back(std::move(m));
  }

  // 4.2.3.3
  bool key(std::string_view& out) {
    const size_t start = pos_;
    if (empty() || !(isLcAlpha(in_[pos_]) || in_[pos_] == '*')) return fail(ParseError::kKey);
    while (!empty() && isKeyChar(in_[pos_])) ++pos_;
    out = in_.substr(start, pos_ - start);
    return true;
  }

  // 4.2.1.1
  bool itemOrInnerList(Member& m) {
    if (peek() == '(') {
      m.is_inner_list = true;
      return innerList(m.inner_list, m.list_params);
    }
    return item(m.item);
  }

  // 4.2.1.2
  bool innerList(std::vector<Item>& items, Parameters& params) {
    ++pos_;  // "("
    while (!empty()) {
      skipSp();
      if (peek() == ')') {
        ++pos_;
        return parameters(params);
      }
      Item it;
      if (!item(it)) return false;
      items.push_back(std::move(it));
      if (peek() != ' ' && peek() != ')') return fail(ParseError::kInnerList);
    }
    return fail(ParseError::kInnerList);
  }

  // 4.2.3
  bool item(Item& out) { return bareItem(out.value) && parameters(out.params); }

  // 4.2.3.1
  bool bareItem(BareItem& out) {
    const char c = peek();
    if (c == '-' || isDigit(c)) return number(out);
    if (c == '"') return string(out);
    if (isAlpha(c) || c == '*') return token(out);
    if (c == ':') return byteSequence(out);
    if (c == '?') return boolean(out);
    return fail(ParseError::kItem);
  }

  // 4.2.4
  bool number(BareItem& out) {
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (!isDigit(peek())) return fail(ParseError::kNumber);
    int64_t whole = 0;
    int64_t frac = 0;
    size_t int_digits = 0;
    size_t frac_digits = 0;
    bool decimal = false;
    while (!empty()) {
      const char c = in_[pos_];
      if (isDigit(c)) {
        if (decimal) {
          if (++frac_digits > 3) return fail(ParseError::kNumber);
          frac = frac * 10 + (c - '0');
        } else {
          if (++int_digits > 15) return fail(ParseError::kNumber);
          whole = whole * 10 + (c - '0');
        }
      } else if (c == '.' && !decimal) {
        if (int_digits > 12) return fail(ParseError::kNumber);
        decimal = true;
      } else {
        break;
      }
      ++pos_;
    }
    if (decimal) {
      if (frac_digits == 0) return fail(ParseError::kNumber);  // "1." is not a Decimal
      for (size_t i = frac_digits; i < 3; ++i) frac *= 10;
      out.type = Type::kDecimal;
      out.number = whole * 1000 + frac;
    } else {
      out.type = Type::kInteger;
      out.number = whole;
    }
    if (negative) out.number = -out.number;
    return true;
  }

  // 4.2.5
  bool string(BareItem& out) {
    const size_t start = ++pos_;  // after DQUOTE
    while (!empty()) {
      const char c = in_[pos_++];
      if (c == '\\') {
        if (empty()) return fail(ParseError::kString);
        const char next = in_[pos_++];
        if (next != '"' && next != '\\') return fail(ParseError::kString);
      } else if (c == '"') {
        out.type = Type::kString;
        out.text = in_.substr(start, pos_ - 1 - start);
        return true;
      } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
        return fail(ParseError::kString);
      }
    }
    return fail(ParseError::kString);  // no closing DQUOTE
  }

  // 4.2.6 (the first character is ALPHA or "*", checked by bareItem)
  bool token(BareItem& out) {
    const size_t start = pos_++;
    while (!empty() && (isTchar(in_[pos_]) || in_[pos_] == ':' || in_[pos_] == '/')) ++pos_;
    out.type = Type::kToken;
    out.text = in_.substr(start, pos_ - start);
    return true;
  }

  // 4.2.7
  bool byteSequence(BareItem& out) {
    const size_t start = ++pos_;  // after ":"
    while (!empty() && in_[pos_] != ':') {
      if (!isBase64(in_[pos_])) return fail(ParseError::kByteSequence);
      ++pos_;
    }
    if (empty()) return fail(ParseError::kByteSequence);  // no closing ":"
    out.type = Type::kByteSequence;
    out.text = in_.substr(start, pos_ - start);
    ++pos_;
    return true;
  }

  // 4.2.8
  bool boolean(BareItem& out) {
    ++pos_;  // "?"
    const char c = peek();
    if (c != '0' && c != '1') return fail(ParseError::kBoolean);
    ++pos_;
    out.type = Type::kBoolean;
    out.number = c == '1' ? 1 : 0;
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  ParseError error_ = ParseError::kNone;
  size_t error_at_ = 0;
};

}  // namespace

std::string BareItem::unescaped() const {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    // A parsed String has a backslash only before '"' or '\\' (4.2.5).
    if (type == Type::kString && text[i] == '\\' && i + 1 < text.size()) ++i;
    out += text[i];
  }
  return out;
}

const Member* DictionaryResult::find(std::string_view key) const {
  for (const auto& m : members) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

DictionaryResult parseDictionary(std::string_view input) {
  DictionaryResult r;
  Parser p(input);
  // 4.2: leading and trailing SP are discarded; anything left fails.
  p.skipSp();
  if (p.dictionary(r.members)) {
    p.skipSp();
    if (!p.empty()) p.fail(ParseError::kTrailingCharacters);
  }
  if (p.error() != ParseError::kNone) {
    r.members.clear();
    r.error = p.error();
    r.offset = p.errorOffset();
  }
  return r;
}

bool isParameters(std::string_view input) {
  Parser p(input);
  Parameters params;
  return p.parameters(params) && p.empty();
}

std::string_view errorName(ParseError e) {
  switch (e) {
    case ParseError::kNone: return "none";
    case ParseError::kKey: return "key";
    case ParseError::kNumber: return "number";
    case ParseError::kString: return "string";
    case ParseError::kByteSequence: return "byte-sequence";
    case ParseError::kBoolean: return "boolean";
    case ParseError::kItem: return "item";
    case ParseError::kInnerList: return "inner-list";
    case ParseError::kExpectedComma: return "expected-comma";
    case ParseError::kTrailingComma: return "trailing-comma";
    case ParseError::kTrailingCharacters: return "trailing-characters";
  }
  return "unknown";
}

}  // namespace freshet::sf
