// UTF-8 helpers and the invalid-input policy. Policy: bytes that are not part of a valid
// UTF-8 sequence are never dropped and never replaced: the pre-tokenizer gives each one its
// own pre-token, which byte-level BPE encodes as that byte's token, so decode() returns the
// exact input bytes. Such bytes are counted (Tokenizer::invalid_bytes_seen()).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace roberta::tokenizer {

// Appends the UTF-8 encoding of `cp` to `out`.
void append_utf8(char32_t cp, std::string& out);

// Decodes one code point at text[pos], advancing pos; false (pos unchanged) when the bytes
// there are not a valid, shortest-form UTF-8 sequence of a scalar value.
bool next_code_point(std::string_view text, size_t& pos, char32_t& cp);

// Length of the valid UTF-8 sequence at text[pos] (1-4), or 0 when the byte there starts no
// valid sequence.
size_t valid_sequence_length(std::string_view text, size_t pos);

// Number of bytes of `text` that are not part of a valid UTF-8 sequence.
size_t count_invalid_utf8(std::string_view text);

// Unicode White_Space (what Rust's char::is_whitespace and regex `\s` use).
bool is_unicode_whitespace(char32_t cp);

}  // namespace roberta::tokenizer
