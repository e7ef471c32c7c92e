#include "server/http/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/time_format.h"
#include "protocol/sigv4.h"
#include "protocol/sigv4_signer.h"
#include "server/http/testing/fake_dispatcher.h"
#include "server/http/testing/h2_test_client.h"

namespace sluice::server::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace sigv4 = protocol::sigv4;
using testing::FakeDispatcher;
using testing::H2TestClient;

constexpr int64_t kNow = 1440938160000;  // 20150830T123600Z, the reference vector's time
constexpr std::string_view kAkid = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions opts = {}, HttpObservers observers = {}) {
    opts.host = "127.0.0.1";
    opts.port = 0;
    if (opts.io_threads == 0) opts.io_threads = 2;
    // Read before the server's threads start.
    log::SetLevel(getenv("HTTP_TEST_DEBUG") ? log::Level::kDebug  // NOLINT(concurrency-mt-unsafe)
                                            : log::Level::kWarn);
    server_ = std::make_unique<HttpServer>(opts, &dispatcher_, &clock_);
    server_->SetObservers(observers);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }
  void TearDown() override {
    dispatcher_.ReleaseAll();
    if (server_) server_->Stop();
  }

  // A request signed like botocore signs it.
  Request MakeRequest(std::string_view operation, std::string body, std::string_view akid = kAkid,
                      std::string_view secret = kSecret, int64_t when = kNow) {
    Request req(bhttp::verb::post, "/", 11);
    req.set(bhttp::field::host, "127.0.0.1:4567");
    req.set(bhttp::field::content_type, "application/x-amz-json-1.1");
    req.set("X-Amz-Target", "Kinesis_20131202." + std::string(operation));
    std::string date = FormatIso8601Basic(when);
    req.set("X-Amz-Date", date);
    req.body() = std::move(body);
    req.prepare_payload();
    std::string target = "Kinesis_20131202." + std::string(operation);
    std::vector<sigv4::Header> headers = {{"content-type", "application/x-amz-json-1.1"}, {"x-amz-target", target}};
    sigv4::SignInput in;
    in.host = "127.0.0.1:4567";
    in.headers = headers;
    in.body = req.body();
    in.access_key_id = akid;
    in.secret_access_key = secret;
    in.region = "us-east-1";
    in.amz_date = date;
    req.set(bhttp::field::authorization, sigv4::SignRequest(in));
    return req;
  }

  struct Client {
    asio::io_context ioc;
    asio::ip::tcp::socket socket{ioc};
    beast::flat_buffer buffer;
    explicit Client(uint16_t port) { socket.connect({asio::ip::address_v4::loopback(), port}); }
    Response RoundTrip(Request& req) {
      bhttp::write(socket, req);
      return Read();
    }
    Response Read() {
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      bhttp::read(socket, buffer, parser);
      return parser.release();
    }
    // True once the server has closed the connection.
    bool ReadsEof() {
      char c;
      boost::system::error_code ec;
      socket.read_some(asio::buffer(&c, 1), ec);
      return ec == asio::error::eof || ec == asio::error::connection_reset;
    }
  };

  static std::string Header(const Response& r, std::string_view name) {
    auto it = r.find(beast::string_view(name.data(), name.size()));
    return it == r.end() ? std::string("<absent>") : std::string(it->value());
  }

  ManualClock clock_{kNow};
  FakeDispatcher dispatcher_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  Client c(server_->port());
  std::string first_id;
  for (int i = 0; i < 3; ++i) {
    Request req = MakeRequest("ListStreams", "{}");
    Response res = c.RoundTrip(req);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "{\"Operation\":\"ListStreams\",\"Size\":2}");
    EXPECT_TRUE(res.keep_alive());
    EXPECT_EQ(Header(res, "Content-Type"), "application/x-amz-json-1.1");
    EXPECT_EQ(Header(res, "Content-Length"), "36");
    EXPECT_EQ(Header(res, "Date"), "Sun, 30 Aug 2015 12:36:00 GMT");
    EXPECT_EQ(Header(res, "x-amzn-RequestId").size(), 36u);
    EXPECT_EQ(Header(res, "x-amzn-RequestId"), dispatcher_.last_request_id());
    EXPECT_EQ(Header(res, "x-amz-id-2").size(), 96u);
    EXPECT_EQ(Header(res, "x-amzn-ErrorType"), "<absent>");
    EXPECT_EQ(Header(res, "Access-Control-Allow-Origin"), "<absent>");
    if (i == 0) first_id = Header(res, "x-amzn-RequestId");
  }
  EXPECT_NE(first_id, dispatcher_.last_request_id());
  EXPECT_EQ(dispatcher_.count(), 3);
  EXPECT_EQ(dispatcher_.last_operation(), "ListStreams");
  EXPECT_EQ(dispatcher_.last_body(), "{}");
  api::CallerIdentity caller = dispatcher_.last_caller();
  EXPECT_EQ(caller.account_id, "000000000000");
  EXPECT_EQ(caller.region, "us-east-1");
  EXPECT_EQ(caller.access_key_id, "AKIDEXAMPLE");
}

TEST_F(HttpServerTest, TwelveDigitAccessKeyBecomesTheAccount) {
  StartServer();
  Client c(server_->port());
  Request req = MakeRequest("ListStreams", "{}", "123456789012", "secret");
  EXPECT_EQ(c.RoundTrip(req).result_int(), 200);
  EXPECT_EQ(dispatcher_.last_caller().account_id, "123456789012");
}

TEST_F(HttpServerTest, CborAndCharsetSuffix) {
  StartServer();
  Client c(server_->port());
  Request req = MakeRequest("ListStreams", "{}");
  req.set(bhttp::field::content_type, "application/x-amz-cbor-1.1; charset=utf-8");
  Response res = c.RoundTrip(req);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(Header(res, "Content-Type"), "application/x-amz-cbor-1.1");
  EXPECT_EQ(dispatcher_.last_encoding(), protocol::BodyEncoding::kCbor);
  req.set(bhttp::field::content_type, "application/json");
  EXPECT_EQ(c.RoundTrip(req).result_int(), 200);
  EXPECT_EQ(dispatcher_.last_encoding(), protocol::BodyEncoding::kJson);
}

TEST_F(HttpServerTest, MissingAuthentication) {
  StartServer();
  Client c(server_->port());
  Request req = MakeRequest("ListStreams", "{}");
  req.erase(bhttp::field::authorization);
  Response res = c.RoundTrip(req);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(Header(res, "x-amzn-ErrorType"), "MissingAuthenticationTokenException");
  EXPECT_EQ(res.body(),
            "{\"__type\":\"MissingAuthenticationTokenException\",\"message\":\"Missing Authentication Token\"}");
  EXPECT_EQ(dispatcher_.count(), 0);
  // The connection stays usable after an error.
  Request good = MakeRequest("ListStreams", "{}");
  EXPECT_EQ(c.RoundTrip(good).result_int(), 200);
}

TEST_F(HttpServerTest, IncompleteSignatureListsEachMissingPart) {
  StartServer();
  Client c(server_->port());
  Request req = MakeRequest("ListStreams", "{}");
  req.set(bhttp::field::authorization, "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kinesis/aws4_request");
  req.erase("X-Amz-Date");
  Response res = c.RoundTrip(req);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(Header(res, "x-amzn-ErrorType"), "IncompleteSignatureException");
  EXPECT_EQ(res.body(),
            "{\"__type\":\"IncompleteSignatureException\",\"message\":\"Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization "
            "header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            "Authorization=AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kinesis/aws4_request\"}");
}

TEST_F(HttpServerTest, ClockSkewIsRejectedWithRealTexts) {
  StartServer();
  Client c(server_->port());
  Request old = MakeRequest("ListStreams", "{}", kAkid, kSecret, kNow - 6 * 60 * 1000);
  Response res = c.RoundTrip(old);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(Header(res, "x-amzn-ErrorType"), "InvalidSignatureException");
  EXPECT_EQ(res.body(),
            "{\"__type\":\"InvalidSignatureException\",\"message\":\"Signature expired: 20150830T123000Z is "
            "now earlier than 20150830T123100Z (20150830T123600Z - 5 min.)\"}");
  Request future = MakeRequest("ListStreams", "{}", kAkid, kSecret, kNow + 6 * 60 * 1000);
  res = c.RoundTrip(future);
  EXPECT_EQ(res.body(),
            "{\"__type\":\"InvalidSignatureException\",\"message\":\"Signature not yet current: "
            "20150830T124200Z is still later than 20150830T124100Z (20150830T123600Z + 5 min.)\"}");
  // Within the window is fine.
  Request near = MakeRequest("ListStreams", "{}", kAkid, kSecret, kNow - 4 * 60 * 1000);
  EXPECT_EQ(c.RoundTrip(near).result_int(), 200);
}

TEST_F(HttpServerTest, VerifyModeAcceptsTheReferenceVector) {
  HttpServerOptions opts;
  opts.auth_mode = AuthMode::kVerify;
  opts.credentials = {{std::string(kAkid), std::string(kSecret)}};
  StartServer(opts);
  Client c(server_->port());
  Request req = MakeRequest("ListStreams", "{}");
  EXPECT_EQ(std::string(req[bhttp::field::authorization]),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            "Signature=62612d5f6ea0d1a861a0e7ede240a2a4dc4b9540b53bb83c8368f278800a3a3b");
  EXPECT_EQ(c.RoundTrip(req).result_int(), 200);

  // Odd whitespace in a signed header value still verifies (canonical form collapses it).
  Request spaced = MakeRequest("ListStreams", "{}");
  spaced.set(bhttp::field::content_type, "  application/x-amz-json-1.1  ");
  EXPECT_EQ(c.RoundTrip(spaced).result_int(), 200);
}

TEST_F(HttpServerTest, VerifyModeRejectsBadSignatureAndUnknownKey) {
  HttpServerOptions opts;
  opts.auth_mode = AuthMode::kVerify;
  opts.credentials = {{std::string(kAkid), std::string(kSecret)}};
  StartServer(opts);
  Client c(server_->port());

  Request wrong_secret = MakeRequest("ListStreams", "{}", kAkid, "not-the-secret");
  Response res = c.RoundTrip(wrong_secret);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(Header(res, "x-amzn-ErrorType"), "InvalidSignatureException");
  EXPECT_NE(res.body().find("The request signature we calculated does not match"), std::string::npos);

  Request tampered = MakeRequest("ListStreams", "{}");
  tampered.body() = "{ }";
  tampered.prepare_payload();
  EXPECT_EQ(Header(c.RoundTrip(tampered), "x-amzn-ErrorType"), "InvalidSignatureException");

  Request unknown = MakeRequest("ListStreams", "{}", "AKIDUNKNOWN", kSecret);
  res = c.RoundTrip(unknown);
  EXPECT_EQ(Header(res, "x-amzn-ErrorType"), "UnrecognizedClientException");
  EXPECT_EQ(res.body(),
            "{\"__type\":\"UnrecognizedClientException\",\"message\":\"The security token included in the "
            "request is invalid.\"}");
  EXPECT_EQ(dispatcher_.count(), 0);
}

TEST_F(HttpServerTest, VerifyModeHonoursContentSha256) {
  HttpServerOptions opts;
  opts.auth_mode = AuthMode::kVerify;
  opts.credentials = {{std::string(kAkid), std::string(kSecret)}};
  StartServer(opts);
  Client c(server_->port());
  auto sign = [&](std::string body, std::string_view content_sha) {
    Request req(bhttp::verb::post, "/", 11);
    std::string date = FormatIso8601Basic(kNow);
    req.set(bhttp::field::host, "h");
    req.set(bhttp::field::content_type, "application/x-amz-json-1.1");
    req.set("X-Amz-Target", "Kinesis_20131202.PutRecord");
    req.set("X-Amz-Date", date);
    req.set("x-amz-content-sha256", std::string(content_sha));
    req.body() = std::move(body);
    req.prepare_payload();
    std::vector<sigv4::Header> headers = {{"x-amz-content-sha256", content_sha},
                                          {"x-amz-target", "Kinesis_20131202.PutRecord"}};
    sigv4::SignInput in;
    in.host = "h";
    in.headers = headers;
    in.payload_hash = content_sha;
    in.access_key_id = kAkid;
    in.secret_access_key = kSecret;
    in.region = "eu-west-1";
    in.amz_date = date;
    req.set(bhttp::field::authorization, sigv4::SignRequest(in));
    return req;
  };
  Request unsigned_payload = sign("{\"a\":1}", "UNSIGNED-PAYLOAD");
  EXPECT_EQ(c.RoundTrip(unsigned_payload).result_int(), 200);
  EXPECT_EQ(dispatcher_.last_caller().region, "eu-west-1");
  std::string hash(crypto::View(crypto::Sha256Hex("{\"a\":1}")));
  Request hashed = sign("{\"a\":1}", hash);
  EXPECT_EQ(c.RoundTrip(hashed).result_int(), 200);
  Request mismatch = sign("{\"a\":2}", hash);
  Response res = c.RoundTrip(mismatch);
  EXPECT_EQ(Header(res, "x-amzn-ErrorType"), "InvalidSignatureException");
  EXPECT_NE(res.body().find("x-amz-content-sha256"), std::string::npos);
}

TEST_F(HttpServerTest, UnknownTargetAndContentType) {
  StartServer();
  Client c(server_->port());
  Request req = MakeRequest("ListStreams", "{}");
  req.set("X-Amz-Target", "DynamoDB_20120810.ListTables");
  Response res = c.RoundTrip(req);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(Header(res, "x-amzn-ErrorType"), "UnknownOperationException");
  EXPECT_EQ(res.body(), "{\"__type\":\"UnknownOperationException\"}");
  req.erase("X-Amz-Target");
  EXPECT_EQ(Header(c.RoundTrip(req), "x-amzn-ErrorType"), "UnknownOperationException");

  Request xml = MakeRequest("ListStreams", "{}");
  xml.set(bhttp::field::content_type, "text/xml");
  res = c.RoundTrip(xml);
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(Header(res, "x-amzn-ErrorType"), "UnknownOperationException");
  EXPECT_EQ(dispatcher_.count(), 0);
}

TEST_F(HttpServerTest, OtherMethodsAndCors) {
  StartServer();
  Client c(server_->port());
  Request put(bhttp::verb::put, "/", 11);
  put.set(bhttp::field::host, "h");
  Response res = c.RoundTrip(put);
  EXPECT_EQ(res.result_int(), 403);
  EXPECT_EQ(Header(res, "x-amzn-ErrorType"), "AccessDeniedException");
  // GET serves only /metrics (when a page is set); anything else is 404.
  Request get(bhttp::verb::get, "/", 11);
  get.set(bhttp::field::host, "h");
  res = c.RoundTrip(get);
  EXPECT_EQ(res.result_int(), 404);
  get.target("/metrics");
  EXPECT_EQ(c.RoundTrip(get).result_int(), 404);

  Request preflight(bhttp::verb::options, "/", 11);
  preflight.set(bhttp::field::host, "h");
  preflight.set(bhttp::field::origin, "http://example.com");
  preflight.set(bhttp::field::access_control_request_headers, "x-amz-target,content-type");
  preflight.set(bhttp::field::access_control_request_method, "POST");
  res = c.RoundTrip(preflight);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(Header(res, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(Header(res, "Access-Control-Allow-Headers"), "x-amz-target,content-type");
  EXPECT_EQ(Header(res, "Access-Control-Allow-Methods"), "POST");
  EXPECT_EQ(Header(res, "Access-Control-Max-Age"), "172800");
  EXPECT_EQ(res.body(), "");

  Request req = MakeRequest("ListStreams", "{}");
  req.set(bhttp::field::origin, "http://example.com");
  res = c.RoundTrip(req);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(Header(res, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(Header(res, "Access-Control-Expose-Headers"),
            "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date");
}

TEST_F(HttpServerTest, DispatcherErrorTypeBecomesHeader) {
  StartServer();
  dispatcher_.set_error_type("ResourceNotFoundException");
  Client c(server_->port());
  Request req = MakeRequest("DescribeStream", "{}");
  Response res = c.RoundTrip(req);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(Header(res, "x-amzn-ErrorType"), "ResourceNotFoundException");
}

TEST_F(HttpServerTest, BodyOverTheCapGets413AndClose) {
  HttpServerOptions opts;
  opts.max_body_bytes = 1000;
  StartServer(opts);
  Client c(server_->port());
  // Exactly at the cap is accepted.
  Request ok = MakeRequest("PutRecords", std::string(1000, 'x'));
  EXPECT_EQ(c.RoundTrip(ok).result_int(), 200);
  // Over it: only the head is sent; the server answers without waiting for the body.
  std::string head =
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-amz-json-1.1\r\n"
      "X-Amz-Target: Kinesis_20131202.PutRecords\r\nContent-Length: 5000\r\n\r\n";
  asio::write(c.socket, asio::buffer(head));
  Response res = c.Read();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(res.body(), "");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(c.ReadsEof());
  EXPECT_EQ(dispatcher_.count(), 1);
}

TEST_F(HttpServerTest, ExpectContinue) {
  StartServer();
  Client c(server_->port());
  Request req = MakeRequest("PutRecord", std::string(5000, 'y'));
  req.set(bhttp::field::expect, "100-continue");
  bhttp::request_serializer<bhttp::string_body> sr(req);
  bhttp::write_header(c.socket, sr);
  Response interim = c.Read();
  EXPECT_EQ(interim.result_int(), 100);
  bhttp::write(c.socket, sr);
  Response res = c.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(dispatcher_.last_body(), std::string(5000, 'y'));
}

TEST_F(HttpServerTest, MalformedOrOversizedHeadIsRefused) {
  HttpServerOptions opts;
  opts.max_header_bytes = 1024;
  StartServer(opts);
  {
    Client c(server_->port());
    asio::write(c.socket, asio::buffer(std::string_view("POST / HTTP/1.1\r\nHost h\r\n\r\n")));
    EXPECT_EQ(c.Read().result_int(), 400);
    EXPECT_TRUE(c.ReadsEof());
  }
  {
    Client c(server_->port());
    std::string head = "POST / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n";
    asio::write(c.socket, asio::buffer(head));
    EXPECT_EQ(c.Read().result_int(), 431);
    EXPECT_TRUE(c.ReadsEof());
  }
  {
    Client c(server_->port());
    asio::write(
        c.socket,
        asio::buffer(std::string_view("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")));
    EXPECT_EQ(c.Read().result_int(), 411);
  }
  EXPECT_EQ(dispatcher_.count(), 0);
}

TEST_F(HttpServerTest, Http10ClosesAfterResponse) {
  StartServer();
  Client c(server_->port());
  Request req = MakeRequest("ListStreams", "{}");
  req.version(10);
  Response res = c.RoundTrip(req);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(HttpServerTest, LargeBodyIsDeliveredIntact) {
  StartServer();
  Client c(server_->port());
  std::string body(700 * 1024, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  for (int i = 0; i < 3; ++i) {
    Request req = MakeRequest("PutRecords", body);
    Response res = c.RoundTrip(req);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_TRUE(dispatcher_.last_body() == body);
  }
}

TEST_F(HttpServerTest, SlowHeaderIsCutOff) {
  HttpServerOptions opts;
  opts.header_read_timeout = std::chrono::milliseconds(100);
  StartServer(opts);
  Client c(server_->port());
  asio::write(c.socket, asio::buffer(std::string_view("POST / HTTP/1.1\r\nHost: h\r\n")));
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(HttpServerTest, IdleConnectionWithoutBytesIsCutOff) {
  HttpServerOptions opts;
  opts.header_read_timeout = std::chrono::milliseconds(100);
  StartServer(opts);
  Client c(server_->port());
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(HttpServerTest, ConnectionsOverTheLimitAreClosed) {
  HttpServerOptions opts;
  opts.max_connections = 1;
  StartServer(opts);
  Client first(server_->port());
  Request req = MakeRequest("ListStreams", "{}");
  EXPECT_EQ(first.RoundTrip(req).result_int(), 200);  // now registered
  Client second(server_->port());
  EXPECT_TRUE(second.ReadsEof());
  EXPECT_EQ(first.RoundTrip(req).result_int(), 200);
}

TEST_F(HttpServerTest, CompletionFromAnotherThread) {
  StartServer();
  dispatcher_.set_mode(FakeDispatcher::Mode::kOtherThread);
  Client c(server_->port());
  for (int i = 0; i < 5; ++i) {
    Request req = MakeRequest("PutRecord", "{\"i\":" + std::to_string(i) + "}");
    Response res = c.RoundTrip(req);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "{\"Operation\":\"PutRecord\",\"Size\":7}");
  }
}

TEST_F(HttpServerTest, GracefulStopFinishesInFlightRequest) {
  HttpServerOptions opts;
  opts.io_threads = 1;  // both connections on one worker: shutdown reaches them together
  StartServer(opts);
  dispatcher_.set_mode(FakeDispatcher::Mode::kHold);
  Client busy(server_->port());
  Client idle(server_->port());
  Request warm = MakeRequest("ListStreams", "{}");
  dispatcher_.set_mode(FakeDispatcher::Mode::kInline);
  EXPECT_EQ(idle.RoundTrip(warm).result_int(), 200);
  dispatcher_.set_mode(FakeDispatcher::Mode::kHold);
  Request req = MakeRequest("PutRecord", "{}");
  bhttp::write(busy.socket, req);
  dispatcher_.WaitForHeld(1);

  auto stopped = std::async(std::launch::async, [&] { server_->Stop(); });
  // The idle keep-alive connection is closed; the busy one still gets its answer.
  EXPECT_TRUE(idle.ReadsEof());
  dispatcher_.ReleaseAll();
  Response res = busy.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(busy.ReadsEof());
  stopped.get();
  // New connections are refused.
  asio::io_context ioc;
  asio::ip::tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect({asio::ip::address_v4::loopback(), server_->port()}, ec);
  EXPECT_TRUE(ec);
}

// ---- HTTP/2 ----

H2TestClient::Headers H2Headers(uint16_t port, std::string_view operation, std::string_view body, bool sign = true) {
  std::string authority = "127.0.0.1:" + std::to_string(port);
  std::string date = FormatIso8601Basic(kNow);
  std::string target = "Kinesis_20131202." + std::string(operation);
  H2TestClient::Headers h = {{":method", "POST"},
                             {":scheme", "http"},
                             {":authority", authority},
                             {":path", "/"},
                             {"content-type", "application/x-amz-json-1.1"},
                             {"x-amz-target", target},
                             {"x-amz-date", date},
                             {"content-length", std::to_string(body.size())}};
  if (sign) {
    std::vector<sigv4::Header> signed_headers = {{"content-type", "application/x-amz-json-1.1"},
                                                 {"x-amz-target", target}};
    sigv4::SignInput in;
    in.host = authority;
    in.headers = signed_headers;
    in.body = body;
    in.access_key_id = kAkid;
    in.secret_access_key = kSecret;
    in.region = "us-east-1";
    in.amz_date = date;
    h.push_back({"authorization", sigv4::SignRequest(in)});
  }
  return h;
}

TEST_F(HttpServerTest, H2cRequestResponse) {
  HttpServerOptions opts;
  opts.auth_mode = AuthMode::kVerify;  // proves :authority is used as the signed host
  opts.credentials = {{std::string(kAkid), std::string(kSecret)}};
  StartServer(opts);
  H2TestClient client(server_->port());
  int32_t id = client.Submit(H2Headers(server_->port(), "ListStreams", "{}"), "{}");
  ASSERT_TRUE(client.Run());
  const auto& r = client.responses[id];
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"Operation\":\"ListStreams\",\"Size\":2}");
  EXPECT_EQ(r.headers.at("content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(r.headers.at("content-length"), "36");
  EXPECT_EQ(r.headers.at("x-amzn-requestid").size(), 36u);
  EXPECT_EQ(r.headers.count("x-amz-id-2"), 1u);
  EXPECT_EQ(r.headers.at("date"), "Sun, 30 Aug 2015 12:36:00 GMT");
  EXPECT_TRUE(client.Ping());

  int32_t bad = client.Submit(H2Headers(server_->port(), "ListStreams", "{}", /*sign=*/false), "{}");
  ASSERT_TRUE(client.Run());
  EXPECT_EQ(client.responses[bad].status, 400);
  EXPECT_EQ(client.responses[bad].headers.at("x-amzn-errortype"), "MissingAuthenticationTokenException");
}

TEST_F(HttpServerTest, H2cSignedAuthorityPseudoHeader) {
  // @aws-sdk/client-kinesis (v3) over HTTP/2 signs ":authority" and not "host".
  HttpServerOptions opts;
  opts.auth_mode = AuthMode::kVerify;
  opts.credentials = {{std::string(kAkid), std::string(kSecret)}};
  StartServer(opts);
  H2TestClient client(server_->port());
  auto headers = H2Headers(server_->port(), "ListStreams", "{}", /*sign=*/false);
  std::string authority = headers[2].second;
  std::string date = FormatIso8601Basic(kNow);
  std::vector<sigv4::Header> signed_headers = {{":authority", authority},
                                               {"content-type", "application/x-amz-json-1.1"},
                                               {"x-amz-date", date},
                                               {"x-amz-target", "Kinesis_20131202.ListStreams"}};
  std::string list = ":authority;content-type;x-amz-date;x-amz-target";
  std::string canonical, sts;
  ASSERT_TRUE(sigv4::AppendCanonicalRequest(&canonical, "POST", "/", "", signed_headers, list,
                                            crypto::View(crypto::Sha256Hex("{}"))));
  sigv4::AppendStringToSign(&sts, date, "20150830/us-east-1/kinesis/aws4_request", canonical);
  auto sig = sigv4::ComputeSignature(sigv4::DeriveSigningKey(kSecret, "20150830", "us-east-1", "kinesis"), sts);
  headers.push_back({"authorization",
                     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/"
                     "aws4_request, SignedHeaders=" +
                         list + ", Signature=" + std::string(crypto::View(sig))});
  int32_t id = client.Submit(headers, "{}");
  ASSERT_TRUE(client.Run());
  EXPECT_EQ(client.responses[id].status, 200) << client.responses[id].body;
}

TEST_F(HttpServerTest, H2cLargeBodiesSpanFlowControlWindows) {
  StartServer();
  dispatcher_.set_echo_body(true);
  dispatcher_.set_mode(FakeDispatcher::Mode::kOtherThread);
  H2TestClient client(server_->port());
  // 5 MiB > our 4 MiB stream window; the echoed response > the client's 64 KiB window.
  std::string body(5 * 1024 * 1024, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('A' + i % 23);
  std::vector<int32_t> ids;
  ids.reserve(3);
  for (int i = 0; i < 3; ++i) ids.push_back(client.Submit(H2Headers(server_->port(), "PutRecords", body), body));
  ASSERT_TRUE(client.Run());
  std::string prefix = "{\"Operation\":\"PutRecords\",\"Size\":" + std::to_string(body.size()) + "}";
  for (int32_t id : ids) {
    const auto& r = client.responses[id];
    EXPECT_EQ(r.status, 200);
    ASSERT_EQ(r.body.size(), prefix.size() + body.size());
    EXPECT_EQ(r.body.substr(0, prefix.size()), prefix);
    EXPECT_TRUE(r.body.substr(prefix.size()) == body);
  }
}

TEST_F(HttpServerTest, H2cBodyOverTheCap) {
  HttpServerOptions opts;
  opts.max_body_bytes = 1000;
  StartServer(opts);
  H2TestClient client(server_->port());
  std::string big(5000, 'x');
  int32_t id = client.Submit(H2Headers(server_->port(), "PutRecords", big), big);
  ASSERT_TRUE(client.Run());
  EXPECT_EQ(client.responses[id].status, 413);
  EXPECT_EQ(client.responses[id].body, "");
  // Without content-length the cap is found while receiving DATA.
  auto headers = H2Headers(server_->port(), "PutRecords", big);
  headers.pop_back();  // authorization
  std::erase_if(headers, [](const auto& h) { return h.first == "content-length"; });
  int32_t id2 = client.Submit(headers, big);
  ASSERT_TRUE(client.Run());
  EXPECT_EQ(client.responses[id2].status, 413);
  // The connection is still usable.
  int32_t id3 = client.Submit(H2Headers(server_->port(), "ListStreams", "{}"), "{}");
  ASSERT_TRUE(client.Run());
  EXPECT_EQ(client.responses[id3].status, 200);
  EXPECT_EQ(dispatcher_.count(), 1);
}

TEST_F(HttpServerTest, H2cConnectionBufferCapResetsStreams) {
  HttpServerOptions opts;
  opts.max_body_bytes = 100 * 1024;
  opts.h2_max_buffered_bytes = 250 * 1024;
  StartServer(opts);
  // Held requests keep their buffers, so three 90 KiB bodies cannot all fit under 250 KiB:
  // exactly one stream (whichever crosses the cap) is reset, the other two are dispatched.
  dispatcher_.set_mode(FakeDispatcher::Mode::kHold);
  H2TestClient client(server_->port());
  std::string body(90 * 1024, 'z');
  std::vector<int32_t> ids;
  ids.reserve(3);
  for (int i = 0; i < 3; ++i) ids.push_back(client.Submit(H2Headers(server_->port(), "PutRecords", body), body));
  auto calm = [&] {
    int n = 0;
    for (int32_t id : ids) n += client.responses[id].error_code == NGHTTP2_ENHANCE_YOUR_CALM ? 1 : 0;
    return n;
  };
  ASSERT_TRUE(client.RunUntil([&] { return calm() == 1; }));
  dispatcher_.WaitForHeld(2);
  dispatcher_.set_mode(FakeDispatcher::Mode::kInline);
  dispatcher_.ReleaseAll();
  ASSERT_TRUE(client.Run());
  int ok = 0;
  for (int32_t id : ids) ok += client.responses[id].status == 200 ? 1 : 0;
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(calm(), 1);
}

TEST_F(HttpServerTest, H2cUnfinishedRequestIsReset) {
  HttpServerOptions opts;
  opts.header_read_timeout = std::chrono::milliseconds(50);
  opts.body_read_timeout = std::chrono::milliseconds(50);
  StartServer(opts);
  H2TestClient client(server_->port());
  int32_t stuck = client.SubmitUnfinished(H2Headers(server_->port(), "PutRecord", "{}"));
  ASSERT_TRUE(client.Ping());  // the server has seen the HEADERS
  // The stream's age is measured on the server's clock: past header + body timeouts.
  clock_.Advance(101);
  ASSERT_TRUE(client.RunUntil([&] { return client.responses[stuck].closed; }));
  EXPECT_EQ(client.responses[stuck].error_code, static_cast<uint32_t>(NGHTTP2_CANCEL));
  // The connection itself is still fine.
  int32_t id = client.Submit(H2Headers(server_->port(), "ListStreams", "{}"), "{}");
  ASSERT_TRUE(client.Run());
  EXPECT_EQ(client.responses[id].status, 200);
  EXPECT_EQ(dispatcher_.count(), 1);
}

TEST_F(HttpServerTest, H2cClientVanishesMidRequest) {
  StartServer();
  {
    H2TestClient client(server_->port());
    client.SubmitUnfinished(H2Headers(server_->port(), "PutRecord", "{}"));
    ASSERT_TRUE(client.Ping());  // the server has seen the HEADERS
  }
  H2TestClient other(server_->port());
  int32_t id = other.Submit(H2Headers(server_->port(), "ListStreams", "{}"), "{}");
  ASSERT_TRUE(other.Run());
  EXPECT_EQ(other.responses[id].status, 200);
}

TEST_F(HttpServerTest, H2cManyConcurrentStreams) {
  StartServer();
  dispatcher_.set_mode(FakeDispatcher::Mode::kOtherThread);
  H2TestClient client(server_->port());
  std::vector<int32_t> ids;
  ids.reserve(200);
  for (int i = 0; i < 200; ++i) ids.push_back(client.Submit(H2Headers(server_->port(), "PutRecord", "{}"), "{}"));
  ASSERT_TRUE(client.Run());
  for (int32_t id : ids) EXPECT_EQ(client.responses[id].status, 200);
  EXPECT_EQ(dispatcher_.count(), 200);
}

TEST_F(HttpServerTest, H2cIdleConnectionsHoldNoReadBuffer) {
  HttpServerOptions opts;
  // The periodic timer's period (the smallest timeout); its clock checks use the ManualClock.
  opts.body_read_timeout = std::chrono::milliseconds(1000);
  StartServer(opts);
  dispatcher_.set_echo_body(true);
  std::vector<std::unique_ptr<H2TestClient>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<H2TestClient>(server_->port()));
    ASSERT_TRUE(clients.back()->Ping());  // the server has read the preface and SETTINGS
  }
  // Cleartext reads go through the worker's shared buffer: an idle connection holds none.
  EXPECT_LT(server_->HeldBufferBytes(), 20u * 4096);

  // A large request and its echoed response leave buffers behind (the pooled stream's, the
  // write buffer) ...
  std::string body(700 * 1024, 'x');
  int32_t id = clients[0]->Submit(H2Headers(server_->port(), "PutRecords", body), body);
  ASSERT_TRUE(clients[0]->Run());
  EXPECT_EQ(clients[0]->responses[id].status, 200);
  const std::string prefix = "{\"Operation\":\"PutRecords\",\"Size\":" + std::to_string(body.size()) + "}";
  EXPECT_EQ(clients[0]->responses[id].body, prefix + body);
  EXPECT_GT(server_->HeldBufferBytes(), 2 * body.size());
  // ... which the timer gives back once a whole period has passed without a new stream.
  for (int i = 0; i < 200 && server_->HeldBufferBytes() >= 20u * 4096; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_LT(server_->HeldBufferBytes(), 20u * 4096);
  // The connections still work.
  for (auto& c : clients) EXPECT_TRUE(c->Ping());
  int32_t again = clients[0]->Submit(H2Headers(server_->port(), "PutRecords", body), body);
  ASSERT_TRUE(clients[0]->Run());
  EXPECT_EQ(clients[0]->responses[again].status, 200);
}

TEST_F(HttpServerTest, H2cGracefulStop) {
  StartServer();
  dispatcher_.set_mode(FakeDispatcher::Mode::kHold);
  H2TestClient client(server_->port());
  int32_t id = client.Submit(H2Headers(server_->port(), "PutRecord", "{}"), "{}");
  std::thread pump([&] { client.Run(); });
  dispatcher_.WaitForHeld(1);
  auto stopped = std::async(std::launch::async, [&] { server_->Stop(); });
  dispatcher_.ReleaseAll();
  pump.join();
  stopped.get();
  EXPECT_EQ(client.responses[id].status, 200);
}

// ---- Observers: GET /metrics and the call records (the access log) ----

class FakeMetricsPage : public MetricsPage {
 public:
  std::string_view Render(std::string_view accept, std::string* body) const override {
    body->assign("page for ").append(accept);
    return "text/plain; version=0.0.4; charset=utf-8";
  }
};

class RecordingObserver : public CallObserver {
 public:
  struct Seen {
    std::string event, target, user_agent, source_ip, protocol, request_id, error_type, error_message;
    int status = 0;
    size_t bytes_in = 0, bytes_out = 0;
    int64_t latency_ns = -1;
  };
  void OnCall(const CallRecord& c) override {
    Seen s{std::string(c.request->operation),
           std::string(c.target),
           std::string(c.user_agent),
           std::string(c.source_ip),
           std::string(c.protocol),
           std::string(c.request_id),
           std::string(c.error_type),
           c.response->log.error_message,
           c.http_status,
           c.bytes_in,
           c.bytes_out,
           c.latency_ns};
    MutexLock lock(&mu_);
    seen_.push_back(std::move(s));
  }
  std::vector<Seen> seen() {
    MutexLock lock(&mu_);
    return seen_;
  }

 private:
  Mutex mu_;
  std::vector<Seen> seen_ GUARDED_BY(mu_);
};

TEST_F(HttpServerTest, MetricsPageAnswersGetMetricsOnly) {
  FakeMetricsPage page;
  RecordingObserver calls;
  StartServer({}, {&page, &calls});
  Client c(server_->port());
  Request get(bhttp::verb::get, "/metrics", 11);
  get.set(bhttp::field::host, "h");
  get.set(bhttp::field::accept, "application/openmetrics-text");
  Response res = c.RoundTrip(get);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "page for application/openmetrics-text");
  EXPECT_EQ(Header(res, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  Request head(bhttp::verb::head, "/metrics", 11);
  head.set(bhttp::field::host, "h");
  bhttp::write(c.socket, head);
  bhttp::response_parser<bhttp::empty_body> p;
  p.skip(true);
  bhttp::read(c.socket, c.buffer, p);
  EXPECT_EQ(p.get().result_int(), 404);
  get.target("/metrics/more");
  EXPECT_EQ(c.RoundTrip(get).result_int(), 404);
  EXPECT_EQ(dispatcher_.count(), 0);
  // Neither GETs nor HEADs are API calls.
  EXPECT_TRUE(calls.seen().empty());
}

TEST_F(HttpServerTest, CallObserverSeesEveryAnsweredPost) {
  RecordingObserver calls;
  StartServer({}, {nullptr, &calls});
  Client c(server_->port());
  Request req = MakeRequest("ListStreams", "{}");
  req.set(bhttp::field::user_agent, "test-agent/1.0");
  Response ok = c.RoundTrip(req);
  Request unsigned_req(bhttp::verb::post, "/", 11);
  unsigned_req.set(bhttp::field::host, "h");
  unsigned_req.set(bhttp::field::content_type, "application/x-amz-json-1.1");
  unsigned_req.set("X-Amz-Target", "Kinesis_20131202.PutRecord");
  unsigned_req.body() = "{\"a\":1}";
  unsigned_req.prepare_payload();
  Response refused = c.RoundTrip(unsigned_req);
  EXPECT_EQ(refused.result_int(), 400);

  H2TestClient h2(server_->port());
  h2.Submit(H2Headers(server_->port(), "DescribeStream", "{}"), "{}");
  ASSERT_TRUE(h2.Run());

  auto seen = calls.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].event, "ListStreams");
  EXPECT_EQ(seen[0].user_agent, "test-agent/1.0");
  EXPECT_EQ(seen[0].source_ip, "127.0.0.1");
  EXPECT_EQ(seen[0].protocol, "HTTP/1.1");
  EXPECT_EQ(seen[0].request_id, Header(ok, "x-amzn-RequestId"));
  EXPECT_EQ(seen[0].status, 200);
  EXPECT_EQ(seen[0].bytes_in, 2u);
  EXPECT_EQ(seen[0].bytes_out, ok.body().size());
  EXPECT_GE(seen[0].latency_ns, 0);
  // Refused by the transport: no operation routed, the target says which it was.
  EXPECT_EQ(seen[1].event, "");
  EXPECT_EQ(seen[1].target, "Kinesis_20131202.PutRecord");
  EXPECT_EQ(seen[1].status, 400);
  EXPECT_EQ(seen[1].error_type, "MissingAuthenticationTokenException");
  EXPECT_EQ(seen[1].error_message, "Missing Authentication Token");
  EXPECT_EQ(seen[1].bytes_in, 7u);
  EXPECT_EQ(seen[2].event, "DescribeStream");
  EXPECT_EQ(seen[2].protocol, "h2");
  EXPECT_EQ(seen[2].status, 200);
}

}  // namespace
}  // namespace sluice::server::http
