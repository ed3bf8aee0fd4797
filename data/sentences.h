// Rule-based sentence segmentation for English-like text (no model, no dictionary beyond a
// short abbreviation list). A sentence ends after '.', '!' or '?' (runs such as "?!" or
// "..." count as one), optionally followed by closing quotes or brackets, when whitespace
// follows and the next visible character starts a sentence (an uppercase letter, a digit,
// an opening quote or bracket, or any non-ASCII character). A '.' does not end a sentence:
//   - inside a number ("3.14"; no whitespace follows),
//   - after a known abbreviation ("Mr.", "Dr.", "e.g.", "etc.", "Jan.", "vs.", ...; not "No.",
//     too often a sentence-final "no"),
//   - after a single letter (initials: "J. R. R. Tolkien").
// A line that is blank inside a document is a paragraph break and always ends a sentence.
// Whitespace runs inside a sentence (wrapped lines) become single spaces.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace roberta::data {

std::vector<std::string> split_sentences(std::string_view document);

}  // namespace roberta::data
