// See safetensors.h.
#include "roberta/interop/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

#include "util/error.h"

namespace roberta {

namespace {

// The reference implementation refuses headers above 100 MB; so do we, before allocating.
constexpr uint64_t kMaxHeaderBytes = 100u * 1024u * 1024u;

struct DtypeEntry {
  const char* name;
  at::ScalarType type;
};

constexpr DtypeEntry kDtypes[] = {
    {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16},
    {"I64", at::kLong},   {"I32", at::kInt},   {"I16", at::kShort}, {"I8", at::kChar},
    {"U8", at::kByte},    {"BOOL", at::kBool},
};

// A read-only mapping of a whole file, unmapped on scope exit.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("{}: cannot open safetensors file: {}", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      fail("{}: cannot stat: {}", path, std::strerror(errno));
    }
    size_ = static_cast<uint64_t>(st.st_size);
    if (size_ > 0) {
      void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (data == MAP_FAILED) {
        ::close(fd);
        fail("{}: cannot mmap {} bytes: {}", path, size_, std::strerror(errno));
      }
      data_ = static_cast<const uint8_t*>(data);
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

at::ScalarType parse_dtype(const std::string& path, const std::string& name, const std::string& dtype) {
  for (const auto& entry : kDtypes) {
    if (dtype == entry.name) return entry.type;
  }
  fail("{}: tensor '{}': expected dtype one of F64/F32/F16/BF16/I64/I32/I16/I8/U8/BOOL, found '{}'", path,
       name, dtype);
}

struct Entry {
  std::string name;
  at::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& path, const std::string& name, const nlohmann::json& value,
                  uint64_t data_size) {
  if (!value.is_object()) fail("{}: tensor '{}': expected a JSON object, found {}", path, name, value.dump());
  auto field = [&](const char* key) -> const nlohmann::json& {
    auto it = value.find(key);
    if (it == value.end()) fail("{}: tensor '{}': missing key '{}'", path, name, key);
    return *it;
  };
  const auto& dtype = field("dtype");
  if (!dtype.is_string()) fail("{}: tensor '{}': expected dtype to be a string, found {}", path, name, dtype.dump());
  Entry entry{name, parse_dtype(path, name, dtype.get<std::string>()), {}, 0, 0};

  const auto& shape = field("shape");
  if (!shape.is_array()) fail("{}: tensor '{}': expected shape to be an array, found {}", path, name, shape.dump());
  const uint64_t element = c10::elementSize(entry.dtype);
  uint64_t bytes = element;
  for (const auto& dim : shape) {
    if (!dim.is_number_unsigned()) {
      fail("{}: tensor '{}': expected shape of non-negative integers, found {}", path, name, shape.dump());
    }
    uint64_t d = dim.get<uint64_t>();
    // A product that overflows 64 bits cannot fit any file; checked before multiplying.
    if (d != 0 && bytes > std::numeric_limits<uint64_t>::max() / d) {
      fail("{}: tensor '{}': shape {} needs more bytes than the file holds ({})", path, name, shape.dump(),
           data_size);
    }
    bytes *= d;
    entry.shape.push_back(static_cast<int64_t>(d));
  }

  const auto& offsets = field("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    fail("{}: tensor '{}': expected data_offsets [begin, end] of non-negative integers, found {}", path, name,
         offsets.dump());
  }
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  if (entry.begin > entry.end || entry.end > data_size) {
    fail("{}: tensor '{}': data_offsets [{}, {}] outside the data section of {} bytes", path, name, entry.begin,
         entry.end, data_size);
  }
  if (entry.end - entry.begin != bytes) {
    fail("{}: tensor '{}': dtype {} and shape {} need {} bytes, data_offsets give {}", path, name,
         dtype.get<std::string>(), shape.dump(), bytes, entry.end - entry.begin);
  }
  return entry;
}

}  // namespace

at::Tensor SafetensorsFile::find(const std::string& name) const {
  for (const auto& [key, tensor] : tensors) {
    if (key == name) return tensor;
  }
  return {};
}

std::string safetensors_dtype_name(at::ScalarType dtype) {
  for (const auto& entry : kDtypes) {
    if (entry.type == dtype) return entry.name;
  }
  fail("safetensors cannot store dtype {}", c10::toString(dtype));
}

SafetensorsFile read_safetensors(const std::string& path) {
  MappedFile file(path);
  if (file.size() < 8) fail("{}: not a safetensors file: {} bytes, expected at least 8", path, file.size());
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | file.data()[i];  // little-endian
  if (header_size > kMaxHeaderBytes || header_size > file.size() - 8) {
    fail("{}: header length {} is larger than the file ({} bytes) or the 100 MB limit", path, header_size,
         file.size());
  }
  const char* header_begin = reinterpret_cast<const char*>(file.data() + 8);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_begin, header_begin + header_size);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: header is not valid JSON: {}", path, e.what());
  }
  if (!header.is_object()) fail("{}: expected the header to be a JSON object, found {}", path, header.type_name());

  const uint64_t data_size = file.size() - 8 - header_size;
  const uint8_t* data = file.data() + 8 + header_size;
  SafetensorsFile result;
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) fail("{}: expected __metadata__ to be an object, found {}", path, it.value().dump());
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string()) {
          fail("{}: __metadata__ key '{}': expected a string value, found {}", path, m.key(), m.value().dump());
        }
        result.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(path, it.key(), it.value(), data_size));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].begin < entries[i - 1].end) {
      fail("{}: tensors '{}' [{}, {}] and '{}' [{}, {}] overlap", path, entries[i - 1].name, entries[i - 1].begin,
           entries[i - 1].end, entries[i].name, entries[i].begin, entries[i].end);
    }
  }
  for (const auto& entry : entries) {
    at::Tensor tensor = at::empty(entry.shape, at::TensorOptions().dtype(entry.dtype));
    if (entry.end > entry.begin) std::memcpy(tensor.data_ptr(), data + entry.begin, entry.end - entry.begin);
    result.tensors.emplace_back(entry.name, std::move(tensor));
  }
  return result;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<at::Tensor> cpu;
  cpu.reserve(tensors.size());
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__" || !seen.insert(name).second) fail("{}: duplicate or reserved tensor name '{}'", path, name);
    at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
    const uint64_t bytes = t.numel() * t.element_size();
    header[name] = {{"dtype", safetensors_dtype_name(t.scalar_type())},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    cpu.push_back(std::move(t));
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  uint8_t length[8];
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(n >> (8 * i));

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail("{}: cannot open for writing: {}", path, std::strerror(errno));
  out.write(reinterpret_cast<const char*>(length), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const auto& t : cpu) {
    out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * t.element_size()));
  }
  out.close();
  if (!out) fail("{}: write failed (disk full?)", path);
}

}  // namespace roberta
