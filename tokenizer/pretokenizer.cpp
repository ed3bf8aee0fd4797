// The hand-written matcher walks a run of valid UTF-8 once, classifying each character
// (ASCII by a table, the rest by pages built from PCRE2's Unicode tables), and applies the
// pattern's alternatives in their order. PCRE2, for the reference path, is driven through
// pcre2_jit_match on the same runs, so it never re-validates the subject (that would make
// splitting quadratic). Match data and the JIT stack are per thread.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/pretokenizer.h"

#include <pcre2.h>

#include <stdexcept>
#include <string>

#include "tokenizer/utf8.h"

namespace roberta::tokenizer {
namespace {

// Unicode White_Space, the set Rust's and Oniguruma's `\s` match.
#define WS "\\t\\n\\x{0B}\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"
const char* const kPattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" WS "\\p{L}\\p{N}]+|[" WS "]+(?![^" WS
    "])|[" WS "]+";
#undef WS

struct ThreadMatch {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* stack = nullptr;
  ThreadMatch() {
    data = pcre2_match_data_create(1, nullptr);
    context = pcre2_match_context_create(nullptr);
    stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr);
    pcre2_jit_stack_assign(context, nullptr, stack);
  }
  ~ThreadMatch() {
    pcre2_jit_stack_free(stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
};

ThreadMatch& thread_match() {
  thread_local ThreadMatch m;
  return m;
}

pcre2_code* compile(const char* pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &error, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw std::logic_error(std::string("pattern ") + pattern + " does not compile: " + reinterpret_cast<char*>(message));
  }
  return code;
}

// ASCII classes: letters, digits, the six White_Space characters; everything else is other.
constexpr std::array<uint8_t, 128> make_ascii_classes() {
  std::array<uint8_t, 128> c{};
  for (int b = 0; b < 128; ++b) {
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')) c[b] = PreTokenizer::kLetter;
    else if (b >= '0' && b <= '9') c[b] = PreTokenizer::kNumber;
    else if ((b >= 0x09 && b <= 0x0D) || b == ' ') c[b] = PreTokenizer::kSpace;
    else c[b] = PreTokenizer::kOther;
  }
  return c;
}
constexpr std::array<uint8_t, 128> kAsciiClasses = make_ascii_classes();

}  // namespace

const uint8_t* PreTokenizer::class_page(size_t page) const {
  if (const uint8_t* p = pages_[page].load(std::memory_order_acquire)) return p;
  std::lock_guard<std::mutex> lock(pages_mutex_);
  if (const uint8_t* p = pages_[page].load(std::memory_order_relaxed)) return p;
  auto classes = std::make_unique<uint8_t[]>(256);
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  std::string utf8;
  for (char32_t cp = char32_t(page * 256), i = 0; i < 256; ++i, ++cp) {
    uint8_t c = kOther;
    if (is_unicode_whitespace(cp)) {
      c = kSpace;
    } else if (cp < 0xD800 || cp > 0xDFFF) {  // surrogates are never part of valid UTF-8
      utf8.clear();
      append_utf8(cp, utf8);
      auto matches = [&](void* code) {
        return pcre2_match(static_cast<pcre2_code*>(code), reinterpret_cast<PCRE2_SPTR>(utf8.data()), utf8.size(), 0,
                           PCRE2_ANCHORED | PCRE2_NO_UTF_CHECK, data, nullptr) > 0;
      };
      c = matches(letter_code_) ? kLetter : matches(number_code_) ? kNumber : kOther;
    }
    classes[i] = c;
  }
  pcre2_match_data_free(data);
  const uint8_t* p = classes.get();
  page_storage_.push_back(std::move(classes));
  pages_[page].store(p, std::memory_order_release);
  return p;
}

PreTokenizer::Class PreTokenizer::class_of(char32_t cp) const {
  if (cp < 128) return Class(kAsciiClasses[cp]);
  if (cp >= 0x110000) return kOther;
  return Class(class_page(cp >> 8)[cp & 0xFF]);
}

const char* PreTokenizer::pattern() { return kPattern; }

const PreTokenizer& PreTokenizer::gpt2() {
  static const PreTokenizer instance;
  return instance;
}

PreTokenizer::PreTokenizer() {
  pcre2_code* code = compile(kPattern);
  if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) != 0) {
    pcre2_code_free(code);
    throw std::logic_error("PCRE2 JIT is not available; the reference pre-tokenizer needs it");
  }
  code_ = code;
  letter_code_ = compile("\\p{L}");
  number_code_ = compile("\\p{N}");
}

PreTokenizer::~PreTokenizer() {
  pcre2_code_free(static_cast<pcre2_code*>(code_));
  pcre2_code_free(static_cast<pcre2_code*>(letter_code_));
  pcre2_code_free(static_cast<pcre2_code*>(number_code_));
}

size_t PreTokenizer::split_impl(std::string_view text, bool pcre2, Callback cb, void* ctx) const {
  size_t invalid = 0, run_start = 0, pos = 0;
  auto flush = [&](std::string_view run) { pcre2 ? split_valid_pcre2(run, cb, ctx) : split_valid(run, cb, ctx); };
  while (pos < text.size()) {
    if ((unsigned char)text[pos] < 0x80) { ++pos; continue; }
    size_t n = valid_sequence_length(text, pos);
    if (n != 0) { pos += n; continue; }
    if (pos > run_start) flush(text.substr(run_start, pos - run_start));
    cb(ctx, text.substr(pos, 1));
    ++invalid;
    run_start = ++pos;
  }
  if (pos > run_start) flush(text.substr(run_start, pos - run_start));
  return invalid;
}

// The pattern's alternatives, in its order, at each position of a valid UTF-8 run:
//   1. a contraction ('s 't 're 've 'm 'll 'd, case-sensitive, nothing asked of what follows);
//   2-4. an optional ' ' then a run of letters, of numbers, or of "other" characters (neither
//        space, letter nor number): the class of the first character after the ' ' decides;
//   5. a whitespace run, less its last character when a non-space follows (\s+(?!\S): that
//      character then prefixes the next piece or stands alone);
//   6. a single whitespace character (a run of one followed by a non-space).
// The end of the run acts as the end of the text, as it does for PCRE2 on the same run.
void PreTokenizer::split_valid(std::string_view run, Callback cb, void* ctx) const {
  const auto* s = reinterpret_cast<const unsigned char*>(run.data());
  const size_t n = run.size();
  // The class of the character at p and its length in bytes (the run is valid UTF-8).
  auto class_at = [&](size_t p, size_t& length) -> Class {
    const unsigned char b = s[p];
    if (b < 0x80) {
      length = 1;
      return Class(kAsciiClasses[b]);
    }
    char32_t cp;
    if (b < 0xE0) {
      cp = char32_t(b & 0x1F) << 6 | (s[p + 1] & 0x3F);
      length = 2;
    } else if (b < 0xF0) {
      cp = char32_t(b & 0x0F) << 12 | char32_t(s[p + 1] & 0x3F) << 6 | (s[p + 2] & 0x3F);
      length = 3;
    } else {
      cp = char32_t(b & 0x07) << 18 | char32_t(s[p + 1] & 0x3F) << 12 | char32_t(s[p + 2] & 0x3F) << 6 | (s[p + 3] & 0x3F);
      length = 4;
    }
    return Class(class_page(cp >> 8)[cp & 0xFF]);
  };
  size_t i = 0;
  while (i < n) {
    if (s[i] == '\'' && i + 1 < n) {  // 1
      const unsigned char c = s[i + 1];
      size_t length = 0;
      if (c == 's' || c == 't' || c == 'm' || c == 'd') {
        length = 2;
      } else if (i + 2 < n && ((c == 'r' && s[i + 2] == 'e') || (c == 'v' && s[i + 2] == 'e') || (c == 'l' && s[i + 2] == 'l'))) {
        length = 3;
      }
      if (length > 0) {
        cb(ctx, run.substr(i, length));
        i += length;
        continue;
      }
    }
    size_t length;
    Class c = class_at(i, length);
    size_t first = i;  // the first character of the class run
    if (s[i] == ' ' && i + 1 < n) {
      size_t next_length;
      const Class next = class_at(i + 1, next_length);
      if (next != kSpace) {
        c = next;
        first = i + 1;
        length = next_length;
      }
    }
    size_t end = first + length;
    if (c != kSpace) {  // 2-4
      for (size_t l; end < n && class_at(end, l) == c;) end += l;
    } else {  // 5-6
      size_t last = i;  // where the run's last character starts
      for (size_t l; end < n && class_at(end, l) == kSpace;) {
        last = end;
        end += l;
      }
      if (end < n && last > i) end = last;
    }
    cb(ctx, run.substr(i, end - i));
    i = end;
  }
}

void PreTokenizer::split_valid_pcre2(std::string_view run, Callback cb, void* ctx) const {
  auto* code = static_cast<pcre2_code*>(code_);
  ThreadMatch& m = thread_match();
  auto subject = reinterpret_cast<PCRE2_SPTR>(run.data());
  size_t offset = 0;
  while (offset < run.size()) {
    int rc = pcre2_jit_match(code, subject, run.size(), offset, 0, m.data, m.context);
    if (rc < 0) {  // cannot happen (every character matches a branch); never drop the rest
      cb(ctx, run.substr(offset));
      return;
    }
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(m.data);
    if (ov[0] > offset) cb(ctx, run.substr(offset, ov[0] - offset));
    if (ov[1] <= ov[0]) {  // an empty match cannot happen either; step one byte to be safe
      offset = ov[0] + 1;
      continue;
    }
    cb(ctx, run.substr(ov[0], ov[1] - ov[0]));
    offset = ov[1];
  }
}

}  // namespace roberta::tokenizer
