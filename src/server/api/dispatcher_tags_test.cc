// KinesisDispatcher: stream and resource tags.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/api/dispatcher_test_fixture.h"

namespace sluice::server::api::dispatcher_testing {
namespace {

// ---------------------------------------------------------------------------------------------
// Tags

std::vector<std::pair<std::string, std::string>> TagList(const Reply& r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (simdjson::dom::element t : simdjson::dom::array(r.json["Tags"]))
    out.emplace_back(std::string_view(t["Key"]), std::string_view(t["Value"]));
  return out;
}

TEST_F(DispatcherTest, StreamTags) {
  CreateStream("s", 1);
  EXPECT_EQ(Ok("AddTagsToStream", R"({"StreamName":"s","Tags":{"b":"2","a":"1","c":""}})").body, "");
  Reply l = Ok("ListTagsForStream", R"({"StreamName":"s"})");
  EXPECT_EQ(TagList(l), (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "2"}, {"c", ""}}));
  EXPECT_FALSE(bool(l.json["HasMoreTags"]));
  // Overwrite.
  Ok("AddTagsToStream", R"({"StreamName":"s","Tags":{"a":"one"}})");
  EXPECT_EQ(TagList(Ok("ListTagsForStream", R"({"StreamName":"s","Limit":1})")),
            (std::vector<std::pair<std::string, std::string>>{{"a", "one"}}));
  Reply page = Ok("ListTagsForStream", R"({"StreamName":"s","Limit":1,"ExclusiveStartTagKey":"a"})");
  EXPECT_EQ(TagList(page), (std::vector<std::pair<std::string, std::string>>{{"b", "2"}}));
  EXPECT_TRUE(bool(page.json["HasMoreTags"]));
  Reply last = Ok("ListTagsForStream", R"({"StreamName":"s","ExclusiveStartTagKey":"b"})");
  EXPECT_EQ(TagList(last), (std::vector<std::pair<std::string, std::string>>{{"c", ""}}));
  EXPECT_FALSE(bool(last.json["HasMoreTags"]));
  // Remove (unknown keys ignored).
  EXPECT_EQ(Ok("RemoveTagsFromStream", R"({"StreamName":"s","TagKeys":["b","zzz"]})").body, "");
  EXPECT_EQ(TagList(Ok("ListTagsForStream", R"({"StreamName":"s"})")),
            (std::vector<std::pair<std::string, std::string>>{{"a", "one"}, {"c", ""}}));
  // Character rules.
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"a*b":"v"}})", "InvalidArgumentException");
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"k":"v#"}})", "InvalidArgumentException");
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"aws:reserved":"v"}})", "InvalidArgumentException");
  Ok("AddTagsToStream", R"({"StreamName":"s","Tags":{"ok_.:/=+-@ key":"v a l"}})");
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{}})", "ValidationException");
  Err("AddTagsToStream", R"({"StreamName":"nope","Tags":{"a":"b"}})", "ResourceNotFoundException");
}

TEST_F(DispatcherTest, TagLimitOfFiftyPerStream) {
  CreateStream("s", 1);
  std::string tags;
  for (int i = 0; i < 45; ++i) tags += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  Ok("AddTagsToStream", "{\"StreamName\":\"s\",\"Tags\":{" + tags + "}}");
  // 10 more would make 55: refused as a whole.
  std::string more;
  for (int i = 45; i < 55; ++i) more += (i > 45 ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  Err("AddTagsToStream", "{\"StreamName\":\"s\",\"Tags\":{" + more + "}}", "LimitExceededException");
  EXPECT_EQ(TagList(Ok("ListTagsForStream", R"({"StreamName":"s"})")).size(), 45u);
  // Overwriting existing keys does not count; reaching exactly 50 is fine.
  std::string five = R"("k0":"x","k1":"x","k45":"v","k46":"v","k47":"v","k48":"v","k49":"v")";
  Ok("AddTagsToStream", "{\"StreamName\":\"s\",\"Tags\":{" + five + "}}");
  Err("AddTagsToStream", R"({"StreamName":"s","Tags":{"k50":"v"}})", "LimitExceededException");
  Reply l = Ok("ListTagsForStream", R"({"StreamName":"s","Limit":50})");
  EXPECT_EQ(TagList(l).size(), 50u);
  EXPECT_FALSE(bool(l.json["HasMoreTags"]));
}

TEST_F(DispatcherTest, ResourceTags) {
  CreateStream("s", 1);
  const std::string arn = Arn("s");
  EXPECT_EQ(Ok("TagResource", "{\"ResourceARN\":" + Q(arn) + ",\"Tags\":{\"x\":\"1\",\"y\":\"2\"}}").body, "");
  Reply l = Ok("ListTagsForResource", "{\"ResourceARN\":" + Q(arn) + "}");
  EXPECT_EQ(TagList(l), (std::vector<std::pair<std::string, std::string>>{{"x", "1"}, {"y", "2"}}));
  EXPECT_EQ(Ok("UntagResource", "{\"ResourceARN\":" + Q(arn) + ",\"TagKeys\":[\"x\"]}").body, "");
  EXPECT_EQ(TagList(Ok("ListTagsForStream", R"({"StreamName":"s"})")),
            (std::vector<std::pair<std::string, std::string>>{{"y", "2"}}));
  // Unknown consumers are not found (dispatcher_consumers_test.cc tags real ones).
  Err("ListTagsForResource", "{\"ResourceARN\":" + Q(arn + "/consumer/c:1700000000") + "}",
      "ResourceNotFoundException");
  Err("TagResource", "{\"ResourceARN\":" + Q(arn + "/consumer/c:1700000000") + ",\"Tags\":{\"a\":\"b\"}}",
      "ResourceNotFoundException");
  // Addressing rules as for StreamARN.
  Err("ListTagsForResource", "{\"ResourceARN\":" + Q(Arn("s", kRegion, "999999999999")) + "}", "AccessDeniedException");
  Err("ListTagsForResource", "{\"ResourceARN\":" + Q(Arn("s", "eu-west-1")) + "}", "ResourceNotFoundException");
  Err("ListTagsForResource", "{\"ResourceARN\":" + Q(Arn("nope")) + "}", "ResourceNotFoundException");
  Err("ListTagsForResource", "{}", "ValidationException");
  Err("TagResource", "{\"ResourceARN\":" + Q(arn) + ",\"Tags\":{\"a!\":\"b\"}}", "InvalidArgumentException");
}

}  // namespace
}  // namespace sluice::server::api::dispatcher_testing
