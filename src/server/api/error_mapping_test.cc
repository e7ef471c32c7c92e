#include "server/api/error_mapping.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <optional>
#include <string>

namespace sluice::server::api {
namespace {

using protocol::AwsErrorType;

struct Case {
  Errc code;
  AwsErrorType type;
  const char* name;
  int http;
};

const Case kCases[] = {
    {Errc::kNotFound, AwsErrorType::kResourceNotFound, "ResourceNotFoundException", 400},
    {Errc::kInUse, AwsErrorType::kResourceInUse, "ResourceInUseException", 400},
    {Errc::kInvalidArgument, AwsErrorType::kInvalidArgument, "InvalidArgumentException", 400},
    {Errc::kValidation, AwsErrorType::kValidation, "ValidationException", 400},
    {Errc::kLimitExceeded, AwsErrorType::kLimitExceeded, "LimitExceededException", 400},
    {Errc::kThrottled, AwsErrorType::kProvisionedThroughputExceeded, "ProvisionedThroughputExceededException", 400},
    {Errc::kExpiredIterator, AwsErrorType::kExpiredIterator, "ExpiredIteratorException", 400},
    {Errc::kExpiredNextToken, AwsErrorType::kExpiredNextToken, "ExpiredNextTokenException", 400},
    {Errc::kAccessDenied, AwsErrorType::kAccessDenied, "AccessDeniedException", 400},
    {Errc::kSerialization, AwsErrorType::kSerialization, "SerializationException", 400},
    {Errc::kUnavailable, AwsErrorType::kServiceUnavailable, "ServiceUnavailable", 503},
    {Errc::kIoError, AwsErrorType::kInternalFailure, "InternalFailureException", 500},
    {Errc::kCorruption, AwsErrorType::kInternalFailure, "InternalFailureException", 500},
    {Errc::kInternal, AwsErrorType::kInternalFailure, "InternalFailureException", 500},
};

TEST(ErrorMappingTest, EveryErrcMapsToItsAwsError) {
  for (const Case& c : kCases) {
    EXPECT_EQ(MapError(c.code), c.type) << ErrcName(c.code);
    EXPECT_EQ(protocol::AwsErrorName(MapError(c.code)), c.name) << ErrcName(c.code);
    EXPECT_EQ(protocol::AwsErrorHttpStatus(MapError(c.code)), c.http) << ErrcName(c.code);
  }
  // kOk never reaches WriteError, but must not map to a client error if it did.
  EXPECT_EQ(MapError(Errc::kOk), AwsErrorType::kInternalFailure);
}

TEST(ErrorMappingTest, WriteErrorFillsStatusTypeAndBody) {
  for (const Case& c : kCases) {
    ApiResponse resp;
    resp.body = "stale content from an earlier response";
    WriteError(Status(c.code, "Stream \"x\" under account 1 not found."), protocol::BodyEncoding::kJson, &resp);
    EXPECT_EQ(resp.http_status, c.http) << c.name;
    EXPECT_EQ(resp.error_type, c.name);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(resp.body).get(doc), simdjson::SUCCESS) << resp.body;
    simdjson::dom::object obj;
    ASSERT_EQ(doc.get_object().get(obj), simdjson::SUCCESS) << resp.body;
    EXPECT_EQ(std::string_view(obj["__type"]), c.name);
    // SerializationException uses "Message", everything else "message".
    const char* message_key = c.code == Errc::kSerialization ? "Message" : "message";
    std::string_view msg;
    ASSERT_EQ(obj[message_key].get(msg), simdjson::SUCCESS) << resp.body;
    EXPECT_EQ(obj.size(), 2u) << resp.body;
    if (c.type == AwsErrorType::kInternalFailure) {
      EXPECT_EQ(msg, "Internal service failure.");
    } else {
      EXPECT_EQ(msg, "Stream \"x\" under account 1 not found.");
    }
  }
}

TEST(ErrorMappingTest, InternalFailureHidesInternalDetails) {
  for (Errc code : {Errc::kInternal, Errc::kIoError, Errc::kCorruption}) {
    ApiResponse resp;
    WriteError(Status(code, "segment /var/lib/sluice/00001.log: checksum mismatch at 4096"),
               protocol::BodyEncoding::kJson, &resp);
    EXPECT_EQ(resp.http_status, 500);
    EXPECT_EQ(resp.error_type, "InternalFailureException");
    EXPECT_EQ(resp.body, R"({"__type":"InternalFailureException","message":"Internal service failure."})");
    EXPECT_EQ(resp.body.find("checksum"), std::string::npos);
    EXPECT_EQ(resp.body.find("/var/lib"), std::string::npos);
  }
}

TEST(ErrorMappingTest, ExactBodies) {
  ApiResponse resp;
  WriteError(Status(Errc::kNotFound, "Stream foo under account 123456789012 not found."), protocol::BodyEncoding::kJson,
             &resp);
  EXPECT_EQ(resp.body,
            R"({"__type":"ResourceNotFoundException","message":"Stream foo under account 123456789012 not found."})");
  WriteError(Status(Errc::kSerialization, "Invalid JSON body"), protocol::BodyEncoding::kJson, &resp);
  EXPECT_EQ(resp.body, R"({"__type":"SerializationException","Message":"Invalid JSON body"})");
}

TEST(ErrorMappingTest, MessagesAreEscaped) {
  ApiResponse resp;
  WriteError(Status(Errc::kValidation, "Value 'a\"b\\c\nd\x01' at 'streamName'"), protocol::BodyEncoding::kJson, &resp);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(resp.body).get(doc), simdjson::SUCCESS) << resp.body;
  EXPECT_EQ(std::string_view(doc["message"]), "Value 'a\"b\\c\nd\x01' at 'streamName'");
}

// Minimal CBOR reader for what error bodies use: a definite map of text strings.
std::optional<std::map<std::string, std::string>> ParseCborTextMap(const std::string& b) {
  size_t i = 0;
  auto length = [&](uint8_t initial) -> std::optional<size_t> {
    uint8_t info = initial & 0x1F;
    if (info < 24) return info;
    int bytes = info == 24 ? 1 : info == 25 ? 2 : info == 26 ? 4 : info == 27 ? 8 : -1;
    if (bytes < 0 || i + bytes > b.size()) return std::nullopt;
    size_t n = 0;
    for (int k = 0; k < bytes; ++k) n = (n << 8) | static_cast<uint8_t>(b[i++]);
    return n;
  };
  auto text = [&]() -> std::optional<std::string> {
    if (i >= b.size() || (static_cast<uint8_t>(b[i]) >> 5) != 3) return std::nullopt;
    auto n = length(static_cast<uint8_t>(b[i++]));
    if (!n || i + *n > b.size()) return std::nullopt;
    std::string s = b.substr(i, *n);
    i += *n;
    return s;
  };
  if (b.empty() || (static_cast<uint8_t>(b[0]) >> 5) != 5) return std::nullopt;
  auto pairs = length(static_cast<uint8_t>(b[i++]));
  if (!pairs) return std::nullopt;
  std::map<std::string, std::string> out;
  for (size_t p = 0; p < *pairs; ++p) {
    auto k = text();
    auto v = text();
    if (!k || !v) return std::nullopt;
    out[*k] = *v;
  }
  if (i != b.size()) return std::nullopt;
  return out;
}

TEST(ErrorMappingTest, CborBodies) {
  for (const Case& c : kCases) {
    for (size_t len : {0u, 1u, 23u, 24u, 255u, 256u, 65535u, 65536u}) {
      std::string message(len, 'm');
      ApiResponse resp;
      WriteError(Status(c.code, message), protocol::BodyEncoding::kCbor, &resp);
      EXPECT_EQ(resp.http_status, c.http);
      EXPECT_EQ(resp.error_type, c.name);
      auto m = ParseCborTextMap(resp.body);
      ASSERT_TRUE(m.has_value()) << c.name << " len " << len;
      EXPECT_EQ(m->at("__type"), c.name);
      const char* key = c.code == Errc::kSerialization ? "Message" : "message";
      ASSERT_EQ(m->count(key), 1u) << c.name;
      EXPECT_EQ(m->at(key), c.type == AwsErrorType::kInternalFailure ? "Internal service failure." : message);
      EXPECT_EQ(m->size(), 2u);
    }
  }
  auto unknown =
      ParseCborTextMap(protocol::EncodeErrorBody(AwsErrorType::kUnknownOperation, "x", protocol::BodyEncoding::kCbor));
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(*unknown, (std::map<std::string, std::string>{{"__type", "UnknownOperationException"}}));
  EXPECT_EQ(protocol::EncodeErrorBody(AwsErrorType::kRequestEntityTooLarge, "x", protocol::BodyEncoding::kCbor), "");
}

TEST(AwsErrorTest, NamesAndStatusesOfFrontEndErrors) {
  using T = AwsErrorType;
  EXPECT_EQ(protocol::AwsErrorName(T::kUnknownOperation), "UnknownOperationException");
  EXPECT_EQ(protocol::AwsErrorName(T::kMissingAuthenticationToken), "MissingAuthenticationTokenException");
  EXPECT_EQ(protocol::AwsErrorName(T::kIncompleteSignature), "IncompleteSignatureException");
  EXPECT_EQ(protocol::AwsErrorName(T::kInvalidSignature), "InvalidSignatureException");
  EXPECT_EQ(protocol::AwsErrorName(T::kUnrecognizedClient), "UnrecognizedClientException");
  EXPECT_EQ(protocol::AwsErrorHttpStatus(T::kUnknownOperation), 400);
  EXPECT_EQ(protocol::AwsErrorHttpStatus(T::kInvalidSignature), 400);
  EXPECT_EQ(protocol::AwsErrorHttpStatus(T::kRequestEntityTooLarge), 413);
  EXPECT_EQ(protocol::AwsErrorHttpStatus(T::kServiceUnavailable), 503);
  EXPECT_EQ(protocol::AwsErrorHttpStatus(T::kInternalFailure), 500);
  EXPECT_EQ(protocol::EncodeErrorBody(T::kUnknownOperation, "ignored"), R"({"__type":"UnknownOperationException"})");
  EXPECT_EQ(protocol::EncodeErrorBody(T::kRequestEntityTooLarge, "ignored"), "");
}

}  // namespace
}  // namespace sluice::server::api
