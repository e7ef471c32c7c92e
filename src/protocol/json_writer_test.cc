#include "protocol/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <climits>
#include <string>

namespace sluice::protocol {
namespace {

// Parses text with simdjson's DOM API; fails the test if it is not valid JSON.
simdjson::dom::element Parse(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::element e;
  auto err = parser.parse(text).get(e);
  EXPECT_EQ(err, simdjson::SUCCESS) << text;
  return e;
}

TEST(JsonWriterTest, EmptyContainers) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.EndObject();
  EXPECT_EQ(out, "{}");
  out.clear();
  JsonWriter a(&out);
  a.BeginArray();
  a.EndArray();
  EXPECT_EQ(out, "[]");
}

TEST(JsonWriterTest, FlatObject) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Field("StreamName", "s");
  w.FieldInt("ShardCount", 3);
  w.FieldBool("HasMore", false);
  w.Key("Nothing");
  w.Null();
  w.EndObject();
  EXPECT_EQ(out, R"({"StreamName":"s","ShardCount":3,"HasMore":false,"Nothing":null})");
}

TEST(JsonWriterTest, NestingAndCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a");
  w.BeginArray();
  w.Int(1);
  w.BeginObject();
  w.Field("x", "y");
  w.Key("empty");
  w.BeginObject();
  w.EndObject();
  w.Key("list");
  w.BeginArray();
  w.EndArray();
  w.EndObject();
  w.BeginArray();
  w.BeginArray();
  w.EndArray();
  w.String("z");
  w.EndArray();
  w.Bool(true);
  w.EndArray();
  w.Key("b");
  w.BeginObject();
  w.FieldInt("c", -1);
  w.EndObject();
  w.FieldInt("d", 0);
  w.EndObject();
  EXPECT_EQ(out, R"({"a":[1,{"x":"y","empty":{},"list":[]},[[],"z"],true],"b":{"c":-1},"d":0})");
  simdjson::dom::parser p;
  Parse(p, out);
}

TEST(JsonWriterTest, TopLevelArrayOfObjects) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  for (int i = 0; i < 3; ++i) {
    w.BeginObject();
    w.FieldInt("i", i);
    w.EndObject();
  }
  w.EndArray();
  EXPECT_EQ(out, R"([{"i":0},{"i":1},{"i":2}])");
}

TEST(JsonWriterTest, DeepNesting) {
  std::string out;
  JsonWriter w(&out);
  for (int i = 0; i < 20; ++i) {
    w.BeginObject();
    w.Field("k", "v");
    w.Key("n");
  }
  w.Null();
  for (int i = 0; i < 20; ++i) w.EndObject();
  simdjson::dom::parser p;
  simdjson::dom::element e = Parse(p, out);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(std::string_view(e["k"]), "v");
    e = e["n"];
  }
  EXPECT_TRUE(e.is_null());
}

TEST(JsonWriterTest, EscapesStringsAndKeys) {
  std::string out;
  JsonWriter w(&out);
  std::string nasty = "q\"uote\\back\nnl\ttab\x01\x1f\x7f/ \xc3\xa9";
  nasty.push_back('\0');
  w.BeginObject();
  w.Field(nasty, nasty);
  w.Key("arr");
  w.BeginArray();
  w.String(nasty);
  w.EndArray();
  w.EndObject();
  for (char c : out) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control character in " << out;
  EXPECT_NE(out.find("q\\\"uote\\\\back\\nnl\\ttab\\u0001\\u001f"), std::string::npos) << out;
  EXPECT_NE(out.find("\\u0000"), std::string::npos) << out;
  simdjson::dom::parser p;
  simdjson::dom::element e = Parse(p, out);
  simdjson::dom::object obj = e;
  ASSERT_EQ(obj.size(), 2u);
  auto first = *obj.begin();
  EXPECT_EQ(first.key, nasty);
  EXPECT_EQ(std::string_view(first.value), nasty);
  EXPECT_EQ(std::string_view(e["arr"].at(0)), nasty);
}

TEST(JsonWriterTest, EveryControlCharacterRoundTrips) {
  std::string all;
  for (int c = 0; c < 0x20; ++c) all.push_back(static_cast<char>(c));
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.String(all);
  w.EndArray();
  simdjson::dom::parser p;
  simdjson::dom::element e = Parse(p, out);
  EXPECT_EQ(std::string_view(e.at(0)), all);
}

TEST(JsonWriterTest, Integers) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Int(0);
  w.Int(-1);
  w.Int(INT64_MAX);
  w.Int(INT64_MIN);
  w.Int(1234567890123);
  w.EndArray();
  EXPECT_EQ(out, "[0,-1,9223372036854775807,-9223372036854775808,1234567890123]");
}

std::string Ts(int64_t ms) {
  std::string out;
  JsonWriter w(&out);
  w.TimestampMillis(ms);
  return out;
}

TEST(JsonWriterTest, TimestampMillis) {
  EXPECT_EQ(Ts(1701760153593), "1701760153.593");
  EXPECT_EQ(Ts(5), "0.005");
  EXPECT_EQ(Ts(0), "0.000");
  EXPECT_EQ(Ts(999), "0.999");
  EXPECT_EQ(Ts(1000), "1.000");
  EXPECT_EQ(Ts(1001), "1.001");
  EXPECT_EQ(Ts(1010), "1.010");
  EXPECT_EQ(Ts(1100), "1.100");
  EXPECT_EQ(Ts(1441215410867), "1441215410.867");
  EXPECT_EQ(Ts(1700000000000), "1700000000.000");
  // Negative times are clamped to the epoch.
  EXPECT_EQ(Ts(-1), "0.000");
  EXPECT_EQ(Ts(-1500), "0.000");
}

TEST(JsonWriterTest, TimestampParsesBackAsSeconds) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("StreamCreationTimestamp");
  w.TimestampMillis(1701760153593);
  w.Key("ApproximateArrivalTimestamp");
  w.TimestampMillis(7);
  w.EndObject();
  EXPECT_EQ(out, R"({"StreamCreationTimestamp":1701760153.593,"ApproximateArrivalTimestamp":0.007})");
  simdjson::dom::parser p;
  simdjson::dom::element e = Parse(p, out);
  EXPECT_DOUBLE_EQ(double(e["StreamCreationTimestamp"]), 1701760153.593);
  EXPECT_DOUBLE_EQ(double(e["ApproximateArrivalTimestamp"]), 0.007);
}

TEST(JsonWriterTest, RawValueAndRawString) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("raw");
  w.RawValue("[1,2]");
  w.Key("data");
  w.BeginRawString();
  out.append("AAFoaQ==");
  w.EndRawString();
  w.Key("after");
  w.BeginArray();
  w.RawValue("{}");
  w.BeginRawString();
  out.append("x");
  w.EndRawString();
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(out, R"({"raw":[1,2],"data":"AAFoaQ==","after":[{},"x"]})");
}

TEST(JsonWriterTest, AppendsToExistingBuffer) {
  std::string out = "prefix";
  JsonWriter w(&out);
  EXPECT_EQ(w.out(), &out);
  w.BeginObject();
  w.EndObject();
  EXPECT_EQ(out, "prefix{}");
}

}  // namespace
}  // namespace sluice::protocol
