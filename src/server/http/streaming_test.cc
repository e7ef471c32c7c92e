// Streamed response bodies (api::ResponseStream, the seam SubscribeToShard uses) over HTTP/1.1
// chunked and HTTP/2, against a fake source whose messages the test releases from its own
// thread.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <map>
#include <string>
#include <thread>

#include "base/ascii.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mutex.h"
#include "server/http/http_server.h"
#include "server/http/testing/fake_response_stream.h"
#include "server/http/testing/h2_test_client.h"

namespace sluice::server::http {
namespace {

namespace asio = boost::asio;
using testing::FakeMessage;
using testing::FakeResponseStream;
using testing::H2TestClient;
using testing::StreamingDispatcher;

constexpr int64_t kNow = 1440938160000;  // 20150830T123600Z
constexpr std::string_view kAmzDate = "20150830T123600Z";
// Structural auth mode checks the form of the signature, not its value.
constexpr std::string_view kAuthorization =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=0000000000000000000000000000000000000000000000000000000000000000";

// Messages [from, to) of a FakeResponseStream, concatenated.
std::string Messages(int from, int to, size_t size) {
  std::string out;
  for (int i = from; i < to; ++i) out += FakeMessage(i, size);
  return out;
}

std::string H1Request(std::string_view operation, std::string_view version = "HTTP/1.1") {
  std::string r = "POST / ";
  r.append(version).append("\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n");
  r.append("X-Amz-Target: Kinesis_20131202.").append(operation).append("\r\n");
  r.append("X-Amz-Date: ").append(kAmzDate).append("\r\nAuthorization: ").append(kAuthorization);
  r.append("\r\nContent-Length: 2\r\n\r\n{}");
  return r;
}

H2TestClient::Headers H2Request(uint16_t port, std::string_view operation) {
  return {{":method", "POST"},
          {":scheme", "http"},
          {":authority", "127.0.0.1:" + std::to_string(port)},
          {":path", "/"},
          {"content-type", "application/x-amz-json-1.1"},
          {"x-amz-target", "Kinesis_20131202." + std::string(operation)},
          {"x-amz-date", std::string(kAmzDate)},
          {"content-length", "2"},
          {"authorization", std::string(kAuthorization)}};
}

// A blocking HTTP/1.1 client that sees the chunk boundaries.
struct RawClient {
  struct Head {
    std::string status_line;
    std::map<std::string, std::string> headers;  // lowercase names
  };
  asio::io_context ioc;
  asio::ip::tcp::socket socket{ioc};
  std::string buf;

  explicit RawClient(uint16_t port) { socket.connect({asio::ip::address_v4::loopback(), port}); }
  void Send(std::string_view s) { asio::write(socket, asio::buffer(s.data(), s.size())); }
  std::string ReadUntil(std::string_view delim) {
    size_t n = asio::read_until(socket, asio::dynamic_buffer(buf), delim);
    std::string out = buf.substr(0, n);
    buf.erase(0, n);
    return out;
  }
  std::string ReadExactly(size_t n) {
    if (buf.size() < n) asio::read(socket, asio::dynamic_buffer(buf), asio::transfer_exactly(n - buf.size()));
    std::string out = buf.substr(0, n);
    buf.erase(0, n);
    return out;
  }
  Head ReadHead() {
    std::string text = ReadUntil("\r\n\r\n");
    Head h;
    size_t eol = text.find("\r\n");
    h.status_line = text.substr(0, eol);
    for (size_t at = eol + 2; at < text.size() - 2;) {
      size_t end = text.find("\r\n", at);
      std::string line = text.substr(at, end - at);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = AsciiToLower(c);
      h.headers[name] = line.substr(colon + 2);
      at = end + 2;
    }
    return h;
  }
  // One chunk's data; "" for the last chunk (whose trailing CRLF is consumed too).
  std::string ReadChunk() {
    std::string size_line = ReadUntil("\r\n");
    size_t n = std::stoul(size_line, nullptr, 16);
    std::string data = ReadExactly(n + 2);
    EXPECT_EQ(data.substr(n), "\r\n");
    return data.substr(0, n);
  }
  std::string ReadContentLengthBody(const Head& h) { return ReadExactly(std::stoul(h.headers.at("content-length"))); }
  bool ReadsEof() {
    boost::system::error_code ec;
    char c;
    if (!buf.empty()) return false;
    socket.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
};

class RecordingObserver : public CallObserver {
 public:
  void OnCall(const CallRecord& c) override {
    MutexLock lock(&mu_);
    seen_.push_back({std::string(c.request->operation), c.http_status});
  }
  std::vector<std::pair<std::string, int>> seen() {
    MutexLock lock(&mu_);
    return seen_;
  }

 private:
  Mutex mu_;
  std::vector<std::pair<std::string, int>> seen_ GUARDED_BY(mu_);
};

class StreamingTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions opts = {}, HttpObservers observers = {}) {
    opts.host = "127.0.0.1";
    opts.port = 0;
    if (opts.io_threads == 0) opts.io_threads = 2;
    log::SetLevel(getenv("HTTP_TEST_DEBUG") ? log::Level::kDebug  // NOLINT(concurrency-mt-unsafe)
                                            : log::Level::kWarn);
    server_ = std::make_unique<HttpServer>(opts, &dispatcher_, &clock_);
    server_->SetObservers(observers);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  uint16_t port() const { return server_->port(); }
  // Submits n SubscribeToShard requests on `client`; returns their stream ids.
  std::vector<int32_t> Subscribe(H2TestClient* client, int n) {
    std::vector<int32_t> ids;
    ids.reserve(n);
    for (int i = 0; i < n; ++i) ids.push_back(client->Submit(H2Request(port(), "SubscribeToShard"), "{}"));
    return ids;
  }
  // True once each of `ids` has received at least `bytes` of body.
  static bool AllHave(H2TestClient& client, const std::vector<int32_t>& ids, size_t bytes) {
    for (int32_t id : ids) {
      if (client.responses[id].body.size() < bytes) return false;
    }
    return true;
  }

  ManualClock clock_{kNow};
  StreamingDispatcher dispatcher_;
  std::unique_ptr<HttpServer> server_;
};

// ---- HTTP/1.1 ----

TEST_F(StreamingTest, H1OneChunkPerMessageThenKeepAlive) {
  dispatcher_.set_options({.messages = 4, .message_size = 100, .ready = 1});
  StartServer();
  RawClient c(port());
  c.Send(H1Request("SubscribeToShard"));
  RawClient::Head head = c.ReadHead();
  EXPECT_EQ(head.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(head.headers["transfer-encoding"], "chunked");
  EXPECT_EQ(head.headers["content-type"], "application/vnd.amazon.eventstream");
  EXPECT_EQ(head.headers["x-amzn-requestid"].size(), 36u);
  EXPECT_EQ(head.headers.count("content-length"), 0u);
  EXPECT_EQ(head.headers.count("connection"), 0u);
  auto src = dispatcher_.WaitForStreams(1)[0];
  EXPECT_EQ(c.ReadChunk(), FakeMessage(0, 100));
  // Each later message is released from this thread while the server waits for it.
  for (int i = 1; i < 4; ++i) {
    src->WakeOnly();  // a wake with nothing new: harmless
    src->Release(1);
    EXPECT_EQ(c.ReadChunk(), FakeMessage(i, 100));
  }
  EXPECT_EQ(c.ReadChunk(), "");  // kEnd: the terminating chunk
  src->WaitForEnd();
  src->Release(1);  // a wake after the end does nothing
  // The connection goes on with the next request.
  c.Send(H1Request("ListStreams"));
  RawClient::Head next = c.ReadHead();
  EXPECT_EQ(next.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(c.ReadContentLengthBody(next), "{\"Operation\":\"ListStreams\"}");
  EXPECT_EQ(src->starts(), 1);
  EXPECT_EQ(src->cancels(), 0);
  EXPECT_EQ(src->violations(), 0);
}

TEST_F(StreamingTest, H1WakesRacingFromAnotherThread) {
  constexpr int kMessages = 500;
  dispatcher_.set_options({.messages = kMessages, .message_size = 30, .ready = 0});
  StartServer();
  RawClient c(port());
  c.Send(H1Request("SubscribeToShard"));
  c.ReadHead();
  auto src = dispatcher_.WaitForStreams(1)[0];
  std::thread producer([&] {
    for (int i = 0; i < kMessages; ++i) {
      src->Release(1);
      src->WakeOnly();
    }
  });
  for (int i = 0; i < kMessages; ++i) ASSERT_EQ(c.ReadChunk(), FakeMessage(i, 30));
  EXPECT_EQ(c.ReadChunk(), "");
  producer.join();
  EXPECT_EQ(src->cancels(), 0);
  EXPECT_EQ(src->violations(), 0);
}

TEST_F(StreamingTest, H1LargeMessageIsOneChunkAndEndMayComeWithData) {
  const size_t big = 1536 * 1024;  // a 1 MiB record as base64 in JSON, roughly
  dispatcher_.set_options({.messages = 3, .message_size = big, .ready = 3, .end_with_last = true});
  StartServer();
  RawClient c(port());
  c.Send(H1Request("SubscribeToShard"));
  c.ReadHead();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(c.ReadChunk() == FakeMessage(i, big)) << i;
  EXPECT_EQ(c.ReadChunk(), "");
  auto src = dispatcher_.WaitForStreams(1)[0];
  EXPECT_EQ(src->cancels(), 0);
  EXPECT_EQ(src->violations(), 0);
}

TEST_F(StreamingTest, H1PipelinedRequestIsServedAfterTheStream) {
  dispatcher_.set_options({.messages = 2, .message_size = 50, .ready = 1});
  StartServer();
  RawClient c(port());
  c.Send(H1Request("SubscribeToShard") + H1Request("ListStreams"));
  c.ReadHead();
  EXPECT_EQ(c.ReadChunk(), FakeMessage(0, 50));
  auto src = dispatcher_.WaitForStreams(1)[0];
  src->Release(1);
  EXPECT_EQ(c.ReadChunk(), FakeMessage(1, 50));
  EXPECT_EQ(c.ReadChunk(), "");
  RawClient::Head next = c.ReadHead();
  EXPECT_EQ(c.ReadContentLengthBody(next), "{\"Operation\":\"ListStreams\"}");
  EXPECT_EQ(src->cancels(), 0);
}

TEST_F(StreamingTest, H1ClientDisconnectCancelsOnce) {
  dispatcher_.set_options({.messages = 100, .message_size = 100, .ready = 1});
  StartServer();
  std::shared_ptr<FakeResponseStream> src;
  {
    RawClient c(port());
    c.Send(H1Request("SubscribeToShard"));
    c.ReadHead();
    EXPECT_EQ(c.ReadChunk(), FakeMessage(0, 100));
    src = dispatcher_.WaitForStreams(1)[0];
  }  // closed while the server waits for the source
  src->WaitForCancel();
  src->Release(10);  // no Next after Cancel
  src->WakeLate();   // the connection is gone: nothing happens
  server_.reset();
  src->WakeLate();  // the whole server (its io_contexts) is gone: still nothing
  EXPECT_EQ(src->cancels(), 1);
  EXPECT_EQ(src->violations(), 0);
}

TEST_F(StreamingTest, H1WriteThatDoesNotCompleteCancels) {
  HttpServerOptions opts;
  // Real time (Beast's timer): short, so the stalled write is cut off quickly.
  opts.body_read_timeout = std::chrono::milliseconds(200);
  // Far more than the socket buffers hold, all ready, to a client that never reads.
  dispatcher_.set_options({.messages = 200, .message_size = 512 * 1024, .ready = 200});
  StartServer(opts);
  RawClient c(port());
  c.Send(H1Request("SubscribeToShard"));
  auto src = dispatcher_.WaitForStreams(1)[0];
  src->WaitForCancel();
  EXPECT_LT(src->bytes_pulled(), 200u * 512 * 1024);
  EXPECT_EQ(src->cancels(), 1);
  EXPECT_EQ(src->violations(), 0);
}

TEST_F(StreamingTest, H1ServerStopEndsTheStream) {
  HttpServerOptions opts;
  opts.io_threads = 1;
  dispatcher_.set_options({.messages = 100, .message_size = 64, .ready = 2});
  StartServer(opts);
  RawClient c(port());
  c.Send(H1Request("SubscribeToShard"));
  c.ReadHead();
  EXPECT_EQ(c.ReadChunk(), FakeMessage(0, 64));
  EXPECT_EQ(c.ReadChunk(), FakeMessage(1, 64));
  auto src = dispatcher_.WaitForStreams(1)[0];
  auto stopped = std::async(std::launch::async, [&] { server_->Stop(); });
  // The source is cancelled; the body ends cleanly after whole messages; the connection closes.
  EXPECT_EQ(c.ReadChunk(), "");
  EXPECT_TRUE(c.ReadsEof());
  stopped.get();
  EXPECT_EQ(src->cancels(), 1);
  EXPECT_EQ(src->violations(), 0);
}

TEST_F(StreamingTest, H1Http10BodyEndsWithTheConnection) {
  dispatcher_.set_options({.messages = 3, .message_size = 40, .ready = 1});
  StartServer();
  RawClient c(port());
  c.Send(H1Request("SubscribeToShard", "HTTP/1.0"));
  RawClient::Head head = c.ReadHead();
  EXPECT_EQ(head.status_line, "HTTP/1.0 200 OK");
  EXPECT_EQ(head.headers["connection"], "close");
  EXPECT_EQ(head.headers.count("transfer-encoding"), 0u);
  EXPECT_EQ(c.ReadExactly(40), FakeMessage(0, 40));
  dispatcher_.WaitForStreams(1)[0]->Release(2);
  EXPECT_EQ(c.ReadExactly(80), Messages(1, 3, 40));
  EXPECT_TRUE(c.ReadsEof());
}

// ---- HTTP/2 ----

TEST_F(StreamingTest, H2MessagesInOrderPingsAnsweredThenEndStream) {
  dispatcher_.set_options({.messages = 5, .message_size = 20000, .ready = 1});  // > one 16 KiB frame
  StartServer();
  H2TestClient client(port());
  int32_t id = client.Submit(H2Request(port(), "SubscribeToShard"), "{}");
  auto& r = client.responses[id];
  ASSERT_TRUE(client.RunUntil([&] { return r.body.size() >= 20000; }));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "application/vnd.amazon.eventstream");
  EXPECT_EQ(r.headers.count("content-length"), 0u);
  EXPECT_EQ(r.headers.at("x-amzn-requestid").size(), 36u);
  // The server answers PINGs while the stream waits for its source.
  EXPECT_TRUE(client.Ping());
  EXPECT_TRUE(client.Ping());
  auto src = dispatcher_.WaitForStreams(1)[0];
  for (int i = 1; i < 5; ++i) {
    src->Release(1);
    ASSERT_TRUE(client.RunUntil([&] { return r.body.size() >= (i + 1) * 20000u; }));
  }
  ASSERT_TRUE(client.RunUntil([&] { return r.closed; }));
  EXPECT_EQ(r.error_code, 0u);  // END_STREAM, not a reset
  EXPECT_TRUE(r.body == Messages(0, 5, 20000));
  // The connection goes on.
  int32_t next = client.Submit(H2Request(port(), "ListStreams"), "{}");
  ASSERT_TRUE(client.Run());
  EXPECT_EQ(client.responses[next].body, "{\"Operation\":\"ListStreams\"}");
  EXPECT_EQ(src->cancels(), 0);
  EXPECT_EQ(src->violations(), 0);
}

TEST_F(StreamingTest, H2WakesRacingFromAnotherThread) {
  constexpr int kMessages = 500;
  dispatcher_.set_options({.messages = kMessages, .message_size = 30, .ready = 0});
  StartServer();
  H2TestClient client(port());
  std::vector<int32_t> ids = Subscribe(&client, 4);
  // Pump until every head arrived (the requests must reach the server).
  ASSERT_TRUE(client.RunUntil([&] {
    for (int32_t id : ids) {
      if (client.responses[id].status != 200) return false;
    }
    return true;
  }));
  auto srcs = dispatcher_.WaitForStreams(4);
  std::thread producer([&] {
    for (int i = 0; i < kMessages; ++i) {
      for (auto& s : srcs) {
        s->Release(1);
        s->WakeOnly();
      }
    }
  });
  ASSERT_TRUE(client.Run());
  producer.join();
  for (int32_t id : ids) EXPECT_TRUE(client.responses[id].body == Messages(0, kMessages, 30));
  for (auto& s : srcs) EXPECT_EQ(s->violations(), 0);
}

TEST_F(StreamingTest, H2ResetCancelsOnceAndTheConnectionGoesOn) {
  dispatcher_.set_options({.messages = 10, .message_size = 100, .ready = 1});
  StartServer();
  H2TestClient client(port());
  int32_t id = client.Submit(H2Request(port(), "SubscribeToShard"), "{}");
  ASSERT_TRUE(client.RunUntil([&] { return client.responses[id].body.size() >= 100; }));
  auto src = dispatcher_.WaitForStreams(1)[0];
  client.Reset(id, NGHTTP2_CANCEL);
  ASSERT_TRUE(client.Ping());
  src->WaitForCancel();
  src->Release(5);
  int32_t next = client.Submit(H2Request(port(), "ListStreams"), "{}");
  ASSERT_TRUE(client.RunUntil([&] { return client.responses[next].closed; }));
  EXPECT_EQ(client.responses[next].status, 200);
  EXPECT_EQ(src->cancels(), 1);
  EXPECT_EQ(src->violations(), 0);
}

TEST_F(StreamingTest, H2DisconnectCancelsEveryStream) {
  dispatcher_.set_options({.messages = 10, .message_size = 100, .ready = 1});
  StartServer();
  H2TestClient client(port());
  std::vector<int32_t> ids = Subscribe(&client, 3);
  ASSERT_TRUE(client.RunUntil([&] { return AllHave(client, ids, 100); }));
  client.Disconnect();
  auto srcs = dispatcher_.WaitForStreams(3);
  for (auto& s : srcs) s->WaitForCancel();
  for (auto& s : srcs) s->Release(1);
  std::thread late([&] {
    for (auto& s : srcs) s->WakeLate();
  });
  server_.reset();
  late.join();
  for (auto& s : srcs) s->WakeLate();
  for (auto& s : srcs) {
    EXPECT_EQ(s->cancels(), 1);
    EXPECT_EQ(s->violations(), 0);
  }
}

TEST_F(StreamingTest, H2SmallWindowHoldsTheSourceBack) {
  constexpr size_t kWindow = 1000;
  constexpr size_t kSize = 300;
  dispatcher_.set_options({.messages = 20, .message_size = kSize, .ready = 20});  // all ready at once
  StartServer();
  H2TestClient client(port(), {.initial_window_size = kWindow, .manual_window_updates = true});
  int32_t id = client.Submit(H2Request(port(), "SubscribeToShard"), "{}");
  auto& r = client.responses[id];
  ASSERT_TRUE(client.RunUntil([&] { return r.body.size() >= kWindow; }));
  // Round trips after the window is used up: the server has had every chance to pull more.
  ASSERT_TRUE(client.Ping());
  ASSERT_TRUE(client.Ping());
  auto src = dispatcher_.WaitForStreams(1)[0];
  EXPECT_EQ(r.body.size(), kWindow);
  EXPECT_LE(src->bytes_pulled(), kWindow + kSize);
  EXPECT_EQ(src->bytes_pulled(), r.body.size());  // nothing is buffered in the server
  // Opening the window lets the rest through, in order.
  ASSERT_TRUE(client.RunUntil([&] {
    client.ConsumeReceived();
    return r.closed;
  }));
  EXPECT_EQ(r.error_code, 0u);
  EXPECT_TRUE(r.body == Messages(0, 20, kSize));
  EXPECT_EQ(src->violations(), 0);
}

TEST_F(StreamingTest, H2ThousandConcurrentSubscriptionsOnOneConnection) {
  constexpr int kStreams = 1000;  // the KCL multiplexes every shard of every consumer on one connection
  dispatcher_.set_options({.messages = 3, .message_size = 200, .ready = 1});
  StartServer();
  H2TestClient client(port());
  std::vector<int32_t> ids = Subscribe(&client, kStreams);
  // All open at once: each has its first message and waits for the next.
  ASSERT_TRUE(client.RunUntil([&] { return AllHave(client, ids, 200); }));
  auto srcs = dispatcher_.WaitForStreams(kStreams);
  std::thread releaser([&] {
    for (auto& s : srcs) s->ReleaseAll();
  });
  ASSERT_TRUE(client.Run());
  releaser.join();
  for (int32_t id : ids) {
    const auto& r = client.responses[id];
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.error_code, 0u);
    EXPECT_EQ(r.body, Messages(0, 3, 200));
  }
  for (auto& s : srcs) {
    EXPECT_EQ(s->cancels(), 0);
    EXPECT_EQ(s->violations(), 0);
  }
}

TEST_F(StreamingTest, H2StreamingStreamIsNotIdle) {
  HttpServerOptions opts;
  opts.idle_timeout = std::chrono::milliseconds(50);
  opts.header_read_timeout = std::chrono::milliseconds(50);
  opts.body_read_timeout = std::chrono::milliseconds(50);
  dispatcher_.set_options({.messages = 2, .message_size = 100, .ready = 1});
  StartServer(opts);
  H2TestClient client(port());
  int32_t id = client.Submit(H2Request(port(), "SubscribeToShard"), "{}");
  auto& r = client.responses[id];
  ASSERT_TRUE(client.RunUntil([&] { return r.body.size() >= 100; }));
  // An unfinished request on the same connection proves the periodic check ran: it is reset
  // by the same tick that would have found the connection idle.
  int32_t stuck = client.SubmitUnfinished(H2Request(port(), "PutRecord"));
  ASSERT_TRUE(client.Ping());
  clock_.Advance(1000);
  ASSERT_TRUE(client.RunUntil([&] { return client.responses[stuck].closed; }));
  EXPECT_FALSE(client.goaway_received);
  EXPECT_FALSE(r.closed);
  dispatcher_.WaitForStreams(1)[0]->Release(1);
  ASSERT_TRUE(client.RunUntil([&] { return r.closed; }));
  EXPECT_EQ(r.body, Messages(0, 2, 100));
}

TEST_F(StreamingTest, H2ServerStopEndsStreams) {
  HttpServerOptions opts;
  opts.io_threads = 1;
  dispatcher_.set_options({.messages = 100, .message_size = 100, .ready = 1});
  StartServer(opts);
  H2TestClient client(port());
  std::vector<int32_t> ids = Subscribe(&client, 3);
  ASSERT_TRUE(client.RunUntil([&] { return AllHave(client, ids, 100); }));
  auto srcs = dispatcher_.WaitForStreams(3);
  auto stopped = std::async(std::launch::async, [&] { server_->Stop(); });
  ASSERT_TRUE(client.Run());  // every stream ends
  stopped.get();
  EXPECT_TRUE(client.goaway_received);
  for (int32_t id : ids) {
    EXPECT_EQ(client.responses[id].error_code, 0u);
    EXPECT_EQ(client.responses[id].body, FakeMessage(0, 100));
  }
  for (auto& s : srcs) {
    EXPECT_EQ(s->cancels(), 1);
    EXPECT_EQ(s->violations(), 0);
  }
}

// ---- The access log ----

TEST_F(StreamingTest, StreamedCallIsReportedOnceWhenTheHeadIsSent) {
  RecordingObserver calls;
  dispatcher_.set_options({.messages = 2, .message_size = 10, .ready = 1});
  StartServer({}, {nullptr, &calls});
  RawClient c(port());
  c.Send(H1Request("SubscribeToShard"));
  c.ReadHead();
  c.ReadChunk();
  H2TestClient h2(port());
  int32_t id = h2.Submit(H2Request(port(), "SubscribeToShard"), "{}");
  ASSERT_TRUE(h2.RunUntil([&] { return h2.responses[id].body.size() >= 10; }));
  // Both reported while their streams are still open.
  auto seen = calls.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(std::string("SubscribeToShard"), 200));
  EXPECT_EQ(seen[1], std::make_pair(std::string("SubscribeToShard"), 200));
  for (auto& s : dispatcher_.WaitForStreams(2)) s->Release(1);
  c.ReadChunk();
  EXPECT_EQ(c.ReadChunk(), "");
  ASSERT_TRUE(h2.Run());
  EXPECT_EQ(calls.seen().size(), 2u);  // not again at the end
}

}  // namespace
}  // namespace sluice::server::http
