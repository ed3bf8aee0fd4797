// PCRE2 is driven through pcre2_jit_match on runs of text already checked to be valid UTF-8,
// so it never re-validates the subject (that would make splitting quadratic). Match data and
// the JIT stack are per thread.
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

}  // namespace

const char* PreTokenizer::pattern() { return kPattern; }

const PreTokenizer& PreTokenizer::gpt2() {
  static const PreTokenizer instance;
  return instance;
}

PreTokenizer::PreTokenizer() {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kPattern), PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &error, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw std::logic_error("GPT-2 pattern does not compile: " + std::string(reinterpret_cast<char*>(message)));
  }
  if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) != 0) {
    pcre2_code_free(code);
    throw std::logic_error("PCRE2 JIT is not available; the tokenizer needs it for speed");
  }
  code_ = code;
}

PreTokenizer::~PreTokenizer() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

size_t PreTokenizer::split_impl(std::string_view text, Callback cb, void* ctx) const {
  size_t invalid = 0, run_start = 0, pos = 0;
  while (pos < text.size()) {
    if ((unsigned char)text[pos] < 0x80) { ++pos; continue; }
    size_t n = valid_sequence_length(text, pos);
    if (n != 0) { pos += n; continue; }
    if (pos > run_start) split_valid(text.substr(run_start, pos - run_start), cb, ctx);
    cb(ctx, text.substr(pos, 1));
    ++invalid;
    run_start = ++pos;
  }
  if (pos > run_start) split_valid(text.substr(run_start, pos - run_start), cb, ctx);
  return invalid;
}

void PreTokenizer::split_valid(std::string_view run, Callback cb, void* ctx) const {
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
