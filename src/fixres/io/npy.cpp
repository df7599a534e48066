#include "fixres/io/npy.h"

#include <cctype>
#include <cstring>
#include <limits>
#include <sstream>

#include "fixres/io/atomic_file.h"
#include "fixres/io/mapped_file.h"

namespace fixres::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;

struct DescrEntry {
  const char* code;  // without byte-order character
  DType dtype;
};

constexpr DescrEntry kDescrs[] = {
    {"f4", DType::Float32}, {"f8", DType::Float64}, {"f2", DType::Float16}, {"i8", DType::Int64},
    {"i4", DType::Int32},   {"i2", DType::Int16},   {"i1", DType::Int8},    {"u1", DType::UInt8},
    {"b1", DType::Bool},
};

DType dtype_from_descr(const std::string& descr, const std::string& name) {
  if (descr.size() < 2) throw IoError(name, "unsupported .npy dtype '" + descr + "'");
  char order = descr[0];
  std::string code = descr.substr(1);
  for (const auto& entry : kDescrs) {
    if (code != entry.code) continue;
    bool single_byte = dtype_size(entry.dtype) == 1;
    if (order == '>' && !single_byte) {
      throw IoError(name, "big-endian .npy data ('" + descr +
                              "') is not supported; convert with numpy: a.astype(a.dtype.newbyteorder('<'))");
    }
    if (order != '<' && order != '|' && order != '=' && order != '>') break;
    return entry.dtype;
  }
  throw IoError(name, "unsupported .npy dtype '" + descr +
                          "' (expected float32/float64/float16/int64/int32/int16/int8/uint8/bool)");
}

std::string descr_of(DType dtype, const std::string& path) {
  for (const auto& entry : kDescrs) {
    if (entry.dtype == dtype) return std::string(dtype_size(dtype) == 1 ? "|" : "<") + entry.code;
  }
  throw IoError(path, "dtype " + dtype_name(dtype) + " cannot be stored in a .npy file");
}

/// A tiny parser for the header's Python dict literal, e.g.
/// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  HeaderParser(std::string text, std::string name) : text_(std::move(text)), name_(std::move(name)) {}

  void parse(std::string& descr, bool& fortran, std::vector<std::int64_t>& shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      std::string key = string_literal();
      expect(':');
      skip_space();
      if (key == "descr") {
        descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        fortran = boolean();
        have_fortran = true;
      } else if (key == "shape") {
        shape = tuple();
        have_shape = true;
      } else {
        fail("unexpected key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_space();
      if (peek() != '}') fail("expected ',' or '}'");
    }
    if (!have_descr || !have_fortran || !have_shape) fail("missing 'descr', 'fortran_order' or 'shape'");
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw IoError(name_, "corrupt .npy header (" + why + " at offset " + std::to_string(pos_) + "): " + text_);
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    skip_space();
    char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a string");
    auto end = text_.find(quote, pos_ + 1);
    if (end == std::string::npos) fail("unterminated string");
    std::string value = text_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return value;
  }
  bool boolean() {
    if (text_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (text_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<std::int64_t> tuple() {
    std::vector<std::int64_t> dims;
    expect('(');
    while (true) {
      skip_space();
      if (peek() == ')') {
        ++pos_;
        return dims;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("expected a dimension");
      std::int64_t value = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        int digit = peek() - '0';
        if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) fail("dimension too large");
        value = value * 10 + digit;
        ++pos_;
      }
      if (peek() == 'L') ++pos_;  // Python 2 longs
      dims.push_back(value);
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        fail("expected ',' or ')' after a dimension");
      }
    }
  }

  std::string text_;
  std::string name_;
  std::size_t pos_ = 0;
};

std::uint32_t read_le(const std::uint8_t* p, int bytes) {
  std::uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::int64_t NpyArray::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string NpyArray::shape_string() const {
  if (shape.empty()) return "scalar";
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

NpyArray parse_npy(const std::uint8_t* bytes, std::size_t size, const std::string& name,
                   std::shared_ptr<const void> keepalive) {
  if (size < kMagicSize + 4 || std::memcmp(bytes, kMagic, kMagicSize) != 0) {
    throw IoError(name, size < kMagicSize + 4 ? "truncated .npy file (" + std::to_string(size) + " bytes)"
                                              : "not a .npy file (bad magic)");
  }
  int major = bytes[6];
  std::size_t header_len = 0;
  std::size_t prefix = 0;
  if (major == 1) {
    header_len = read_le(bytes + 8, 2);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) throw IoError(name, "truncated .npy header");
    header_len = read_le(bytes + 8, 4);
    prefix = 12;
  } else {
    throw IoError(name, "unsupported .npy format version " + std::to_string(major) + "." +
                            std::to_string(bytes[7]) + " (expected 1.0, 2.0 or 3.0)");
  }
  if (header_len > size - prefix) {
    throw IoError(name, "truncated .npy header: says " + std::to_string(header_len) + " bytes, file has " +
                            std::to_string(size - prefix));
  }
  std::string header(reinterpret_cast<const char*>(bytes + prefix), header_len);
  std::string descr;
  bool fortran = false;
  NpyArray array;
  HeaderParser(header, name).parse(descr, fortran, array.shape);
  array.dtype = dtype_from_descr(descr, name);
  if (fortran && array.shape.size() > 1) {
    throw IoError(name, "Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray");
  }
  // Overflow-safe byte count: never trust a header's shape before comparing it with the file.
  // Every partial product must fit NpyArray::numel()'s int64, even ahead of a zero dimension.
  const std::size_t available = size - prefix - header_len;
  std::int64_t elements = 1;
  for (auto d : array.shape) {
    if (d < 0) throw IoError(name, "negative dimension in .npy header");
    if (d != 0 && elements > std::numeric_limits<std::int64_t>::max() / d) {
      throw IoError(name, "absurd .npy shape " + array.shape_string() + " (more than 2^63 elements)");
    }
    elements *= d;
  }
  const std::size_t element_size = dtype_size(array.dtype);
  if (static_cast<std::size_t>(elements) > available / element_size) {
    throw IoError(name, "truncated .npy data: shape " + array.shape_string() + " of " + dtype_name(array.dtype) +
                            " needs " + std::to_string(elements * element_size) + " bytes, file has " +
                            std::to_string(available));
  }
  array.data = bytes + prefix + header_len;
  array.keepalive = std::move(keepalive);
  return array;
}

NpyArray read_npy(const std::string& path) {
  // Every element is read by the callers, so fault the whole file in at once.
  auto file = MappedFile::open(path, /*populate=*/true);
  return parse_npy(file->data(), file->size(), path, file);
}

void write_npy(const std::string& path, DType dtype, const std::vector<std::int64_t>& shape, const void* data) {
  std::ostringstream dict;
  dict << "{'descr': '" << descr_of(dtype, path) << "', 'fortran_order': False, 'shape': (";
  std::size_t elements = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) throw IoError(path, "negative dimension");
    dict << shape[i] << (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
    elements *= static_cast<std::size_t>(shape[i]);
  }
  dict << "), }";
  std::string header = dict.str();
  // Pad with spaces so that the data starts on a 64-byte boundary; the header ends with '\n'.
  bool v2 = header.size() + 1 + 10 > 65535;
  std::size_t prefix = v2 ? 12 : 10;
  std::size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string head(kMagic, kMagicSize);
  head.push_back(static_cast<char>(v2 ? 2 : 1));
  head.push_back(0);
  std::uint32_t len = static_cast<std::uint32_t>(header.size());
  for (std::size_t i = 0; i < (v2 ? 4u : 2u); ++i) head.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  head += header;
  write_file_atomically(path, [&](AtomicWriter& out) {
    out.write(head);
    out.write(data, elements * dtype_size(dtype));
  });
}

}  // namespace fixres::io
