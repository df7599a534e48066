// Pickler <-> unpickler on edge values: integer encodings at every width boundary, big ints,
// special floats, unicode, empty and nested containers, OrderedDict attributes.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fixres/io/pickler.h"
#include "fixres/io/unpickler.h"

namespace fixres::io {
namespace {

Value round_trip(const Value& v) {
  const PickledObject p = pickle_checkpoint(v);
  std::size_t used = 0;
  Value back = unpickle(reinterpret_cast<const std::uint8_t*>(p.bytes.data()), p.bytes.size(), "roundtrip", nullptr, &used);
  EXPECT_EQ(used, p.bytes.size());
  return back;
}

TEST(PickleRoundTripTest, IntegersAtEveryEncodingBoundary) {
  const std::int64_t cases[] = {0, 1, 255, 256, 65535, 65536, -1, -256, INT32_MAX, std::int64_t{INT32_MAX} + 1,
                                INT32_MIN, std::int64_t{INT32_MIN} - 1, INT64_MAX, INT64_MIN, (std::int64_t{1} << 33) + 5};
  for (std::int64_t v : cases) {
    const Value back = round_trip(Value(v));
    ASSERT_TRUE(back.is(Value::Kind::Int)) << v;
    EXPECT_EQ(back.as_int(), v);
  }
  const std::string big("\x01\x00\x00\x00\x00\x00\x00\x00\x04", 9);  // 2**66 + 1
  EXPECT_EQ(round_trip(Value::big_int(big)).as_string(), big);
}

TEST(PickleRoundTripTest, FloatsStringsAndContainers) {
  for (double v : {0.0, -0.0, 1.5, 1e-310, std::numeric_limits<double>::infinity(), 0.1}) {
    const Value back = round_trip(Value(v));
    EXPECT_EQ(std::signbit(back.as_float()), std::signbit(v));
    EXPECT_EQ(back.as_float(), v);
  }
  EXPECT_TRUE(std::isnan(round_trip(Value(std::nan(""))).as_float()));
  EXPECT_EQ(round_trip(Value("résumé ✓")).as_string(), "résumé ✓");
  EXPECT_EQ(round_trip(Value::bytes(std::string("\0\xff", 2))).as_string(), std::string("\0\xff", 2));

  Value root = Value::dict(true);
  root.as_dict().add(Value(3), Value::list());
  root.as_dict().add(Value("t"), Value::tuple({Value(), Value(true), Value::tuple()}));
  Value meta = Value::dict();
  meta.as_dict().add(Value("version"), Value(2));
  root.as_dict().attributes.emplace_back("_metadata", meta);
  const Value back = round_trip(root);
  ASSERT_TRUE(back.as_dict().ordered);
  EXPECT_EQ(back.as_dict().find(std::int64_t{3})->items().size(), 0u);
  const auto& t = back.as_dict().find("t")->items();
  ASSERT_EQ(t.size(), 3u);
  EXPECT_TRUE(t[0].is_none());
  EXPECT_TRUE(t[1].as_bool());
  EXPECT_TRUE(t[2].is(Value::Kind::Tuple));
  ASSERT_EQ(back.as_dict().attributes.size(), 1u);
  EXPECT_EQ(back.as_dict().attributes[0].second.as_dict().find("version")->as_int(), 2);
}

TEST(PickleRoundTripTest, OnlyWhitelistedGlobals) {
  EXPECT_TRUE(is_allowed_global("collections", "OrderedDict"));
  EXPECT_TRUE(is_allowed_global("torch._utils", "_rebuild_tensor_v2"));
  EXPECT_TRUE(is_allowed_global("torch", "BFloat16Storage"));
  EXPECT_TRUE(is_allowed_global("__builtin__", "set"));  // Python 2 spelling
  EXPECT_FALSE(is_allowed_global("os", "system"));
  EXPECT_FALSE(is_allowed_global("builtins", "eval"));
  EXPECT_FALSE(is_allowed_global("builtins", "getattr"));
  EXPECT_FALSE(is_allowed_global("torch", "load"));
  EXPECT_FALSE(is_allowed_global("torch.storage", "_load_from_bytes"));
  EXPECT_THROW(pickle_checkpoint(Value::global("os.system")), std::invalid_argument);
}

}  // namespace
}  // namespace fixres::io
