#include "tokenizer/tokenizer.h"

#include <atomic>
#include <filesystem>
#include <unordered_map>

#include "tokenizer/bpe.h"
#include "tokenizer/byte_table.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/utf8.h"
#include "util/error.h"

namespace roberta::tokenizer {

struct Tokenizer::State {
  VocabFiles files;
  std::unordered_map<std::string, int32_t> ids;
  std::vector<std::string> id_bytes;  // decode table: id -> raw bytes
  std::vector<bool> special;
  std::unique_ptr<BpeModel> bpe;
  int32_t bos = -1, pad = -1, eos = -1, unk = -1, mask = -1;
  struct SpecialString {
    std::string text;
    int32_t id;
    bool lstrip;
  };
  std::vector<SpecialString> special_strings;  // what encode_with_specials recognises
  mutable std::atomic<uint64_t> invalid_bytes{0};
};

Tokenizer Tokenizer::load(const std::string& dir) {
  VocabFiles files = read_vocab_files(dir);
  return from_files(std::move(files), (std::filesystem::path(dir) / "merges.txt").string());
}

Tokenizer Tokenizer::from_files(VocabFiles files, const std::string& source) {
  Tokenizer t;
  t.state_ = std::make_shared<State>();
  State& s = *t.state_;
  s.files = std::move(files);
  s.bpe = std::make_unique<BpeModel>(s.files, source);
  const auto& tokens = s.files.tokens;
  s.ids.reserve(tokens.size() * 2);
  s.id_bytes.resize(tokens.size());
  s.special.assign(tokens.size(), false);
  for (size_t id = 0; id < tokens.size(); ++id) {
    s.ids.emplace(tokens[id], int32_t(id));
    // Like HF's ByteLevel decoder: a token with a character outside the byte table (an added
    // token such as "<mask>" is inside it, but could be anything) decodes as its own text.
    if (!byte_text_to_bytes(tokens[id], s.id_bytes[id])) s.id_bytes[id] = tokens[id];
  }
  auto find = [&](const char* name) {
    auto it = s.ids.find(name);
    return it == s.ids.end() ? -1 : it->second;
  };
  s.bos = find("<s>");
  s.pad = find("<pad>");
  s.eos = find("</s>");
  s.unk = find("<unk>");
  s.mask = find("<mask>");
  int32_t endoftext = find("<|endoftext|>");
  if (s.bos < 0) s.bos = endoftext;
  if (s.eos < 0) s.eos = endoftext;
  if (s.unk < 0) s.unk = endoftext;
  for (const char* name : {"<s>", "<pad>", "</s>", "<unk>", "<mask>", "<|endoftext|>"}) {
    int32_t id = find(name);
    if (id < 0) continue;
    s.special[id] = true;
    s.special_strings.push_back({name, id, std::string_view(name) == "<mask>"});
  }
  if (find("<unk>") >= 0) s.bpe->set_unk_id(s.unk);
  return t;
}

void Tokenizer::encode_append(std::string_view text, std::vector<int32_t>& out) const {
  const BpeModel& bpe = *state_->bpe;
  size_t invalid = PreTokenizer::gpt2().split(text, [&](std::string_view piece) { bpe.encode_piece(piece, out); });
  if (invalid) state_->invalid_bytes.fetch_add(invalid, std::memory_order_relaxed);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  encode_append(text, out);
  return out;
}

namespace {

// Length of the Unicode whitespace at the end of text (HF's lstrip uses char::is_whitespace).
size_t trailing_whitespace(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && ((unsigned char)text[start] & 0xC0) == 0x80 && end - start < 4) --start;
    size_t pos = start;
    char32_t cp;
    if (!next_code_point(text, pos, cp) || pos != end || !is_unicode_whitespace(cp)) break;
    end = start;
  }
  return text.size() - end;
}

}  // namespace

void Tokenizer::encode_with_specials_append(std::string_view text, std::vector<int32_t>& out) const {
  const auto& specials = state_->special_strings;
  size_t done = 0, search = 0;
  while (true) {
    // Leftmost match; at equal positions the longest special wins (like HF's matcher).
    size_t best_at = std::string_view::npos;
    const State::SpecialString* best = nullptr;
    size_t lt = text.find('<', search);
    while (lt != std::string_view::npos && !best) {
      for (const auto& sp : specials) {
        if (text.compare(lt, sp.text.size(), sp.text) == 0 && (!best || sp.text.size() > best->text.size())) {
          best = &sp;
          best_at = lt;
        }
      }
      if (!best) lt = text.find('<', lt + 1);
    }
    if (!best) break;
    std::string_view before = text.substr(done, best_at - done);
    if (best->lstrip) before.remove_suffix(trailing_whitespace(before));
    encode_append(before, out);
    out.push_back(best->id);
    done = search = best_at + best->text.size();
  }
  encode_append(text.substr(done), out);
}

std::vector<int32_t> Tokenizer::encode_with_specials(std::string_view text) const {
  std::vector<int32_t> out;
  encode_with_specials_append(text, out);
  return out;
}

std::vector<int32_t> Tokenizer::encode_single(std::string_view a) const {
  std::vector<int32_t> out{bos_id()};
  encode_with_specials_append(a, out);
  out.push_back(eos_id());
  return out;
}

std::vector<int32_t> Tokenizer::encode_pair(std::string_view a, std::string_view b) const {
  std::vector<int32_t> out{bos_id()};
  encode_with_specials_append(a, out);
  out.push_back(eos_id());
  out.push_back(eos_id());
  encode_with_specials_append(b, out);
  out.push_back(eos_id());
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string out;
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size())
      fail("decode: id {} out of range (expected 0..{})", id, vocab_size() - 1);
    if (skip_special && state_->special[id]) continue;
    out += state_->id_bytes[id];
  }
  return out;
}

int32_t Tokenizer::bos_id() const { return state_->bos; }
int32_t Tokenizer::pad_id() const { return state_->pad; }
int32_t Tokenizer::eos_id() const { return state_->eos; }
int32_t Tokenizer::unk_id() const { return state_->unk; }
int32_t Tokenizer::mask_id() const { return state_->mask; }
int32_t Tokenizer::vocab_size() const { return int32_t(state_->files.tokens.size()); }

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && id < vocab_size() && state_->special[id];
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  auto it = state_->ids.find(std::string(token));
  if (it == state_->ids.end()) return std::nullopt;
  return it->second;
}

const std::string& Tokenizer::id_to_token(int32_t id) const {
  if (id < 0 || id >= vocab_size()) fail("id_to_token: id {} out of range (expected 0..{})", id, vocab_size() - 1);
  return state_->files.tokens[id];
}

void Tokenizer::save(const std::string& dir) const { write_vocab_files(state_->files, dir); }

const VocabFiles& Tokenizer::files() const { return state_->files; }

uint64_t Tokenizer::invalid_bytes_seen() const { return state_->invalid_bytes.load(); }

}  // namespace roberta::tokenizer
