// Sentence segmentation rules (see sentences.h).
#include "data/sentences.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace roberta::data {
namespace {

// Lower-cased, without the final period.
const std::string_view kAbbreviations[] = {"mr",
    "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "rev", "gen", "gov", "sen", "rep",
    "capt", "col", "lt", "sgt", "cpl", "hon", "pres", "messrs", "vs", "etc", "e.g", "i.e", "cf",
    "al", "inc", "ltd", "co", "corp", "fig", "figs", "vol", "ch", "pp", "p", "ed",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx",
    "dept"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_closer(char c) { return c == '"' || c == '\'' || c == ')' || c == ']' || c == '}'; }
bool is_opener(char c) { return c == '"' || c == '\'' || c == '(' || c == '[' || c == '`'; }

bool starts_sentence(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  return std::isupper(c) || std::isdigit(c) || is_opener(static_cast<char>(c)) || c >= 0x80;
}

// The word ending just before position `dot` (letters and inner periods).
std::string word_before(std::string_view text, size_t dot) {
  size_t b = dot;
  while (b > 0 && (std::isalpha(static_cast<unsigned char>(text[b - 1])) || text[b - 1] == '.')) --b;
  std::string word(text.substr(b, dot - b));
  std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
  return word;
}

bool is_abbreviation(std::string_view text, size_t dot) {
  const std::string word = word_before(text, dot);
  if (word.empty()) return false;
  if (word.size() == 1) return true;  // an initial
  return std::find(std::begin(kAbbreviations), std::end(kAbbreviations), word) != std::end(kAbbreviations);
}

void flush(std::string_view text, size_t begin, size_t end, std::vector<std::string>& out) {
  std::string sentence;
  sentence.reserve(end - begin);
  size_t i = begin;
  while (i < end) {  // copy each run of visible characters whole; whitespace runs become one space
    while (i < end && is_space(text[i])) ++i;
    size_t run = i;
    while (i < end && !is_space(text[i])) ++i;
    if (i == run) break;
    if (!sentence.empty()) sentence += ' ';
    sentence.append(text.data() + run, i - run);
  }
  if (!sentence.empty()) out.push_back(std::move(sentence));
}

}  // namespace

std::vector<std::string> split_sentences(std::string_view text) {
  std::vector<std::string> out;
  size_t begin = 0, i = 0;
  while (i < text.size()) {
    const char c = text[i];
    // paragraph break: a newline, optional spaces, another newline
    if (c == '\n') {
      size_t j = i + 1;
      while (j < text.size() && is_space(text[j]) && text[j] != '\n') ++j;
      if (j < text.size() && text[j] == '\n') {
        flush(text, begin, i, out);
        begin = i = j + 1;
        continue;
      }
    }
    if (c == '.' || c == '!' || c == '?') {
      size_t j = i;
      while (j < text.size() && (text[j] == '.' || text[j] == '!' || text[j] == '?')) ++j;
      const bool single_period = (j == i + 1 && c == '.');
      while (j < text.size() && is_closer(text[j])) ++j;
      size_t k = j;
      while (k < text.size() && is_space(text[k])) ++k;
      const bool space_follows = k > j;
      if (space_follows && k < text.size() && starts_sentence(text, k) &&
          !(single_period && is_abbreviation(text, i))) {
        flush(text, begin, j, out);
        begin = i = k;
        continue;
      }
      i = j;
      continue;
    }
    ++i;
  }
  flush(text, begin, text.size(), out);
  return out;
}

}  // namespace roberta::data
