// GPT-2's bytes <-> printable code points table: byte-level BPE works on strings in which
// every byte is one visible character, so vocab.json and merges.txt stay readable text.
// Printable Latin-1 bytes map to themselves; the other 68 bytes map to U+0100.. in order.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace roberta::tokenizer {

// The code point that stands for `byte` (e.g. ' ' -> U+0120 'Ġ', '\n' -> U+010A 'Ċ').
char32_t byte_to_code_point(uint8_t byte);

// The byte a code point stands for, or -1 when the code point is not in the table.
int code_point_to_byte(char32_t code_point);

// The UTF-8 text of byte_to_code_point(byte), for all 256 bytes.
const std::array<std::string, 256>& byte_chars();

// Rank of each byte's code point among the 256 table code points (ascending): the order in
// which Hugging Face's trainer numbers the byte alphabet, and GPT-2's ids 0..255.
const std::array<int, 256>& byte_char_rank();

// Maps raw bytes to their byte-level text ("a b" -> "aĠb").
std::string bytes_to_byte_text(std::string_view bytes);

// Maps byte-level text back to bytes; false when a character is not in the table.
bool byte_text_to_bytes(std::string_view text, std::string& bytes);

}  // namespace roberta::tokenizer
