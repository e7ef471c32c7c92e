#pragma once
// A small blocking HTTP/2 (prior-knowledge h2c) client on nghttp2, for tests.
#include <nghttp2/nghttp2.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sluice::server::http::testing {

class H2TestClient {
 public:
  struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;
    std::string body;
    bool closed = false;
    uint32_t error_code = 0;  // RST_STREAM / close error
  };
  using Headers = std::vector<std::pair<std::string, std::string>>;

  struct Options {
    // SETTINGS_INITIAL_WINDOW_SIZE we announce (the default 65535 unless set).
    int32_t initial_window_size = -1;
    // No automatic WINDOW_UPDATEs: the server may only send what ConsumeReceived() released.
    bool manual_window_updates = false;
  };

  explicit H2TestClient(uint16_t port) : H2TestClient(port, Options{}) {}
  H2TestClient(uint16_t port, Options options);
  ~H2TestClient();

  // Submits a request (pseudo-headers included in `headers`); returns the stream id.
  int32_t Submit(const Headers& headers, std::string body);
  // HEADERS without END_STREAM and no body: a request that never finishes.
  int32_t SubmitUnfinished(const Headers& headers);
  // Pumps I/O until every submitted stream has closed. Returns false if the connection broke.
  bool Run();
  // Pumps I/O until done() holds (checked after each read). Returns false if the connection broke.
  bool RunUntil(const std::function<bool()>& done);
  // Sends a PING and pumps until its ACK arrives.
  bool Ping();
  // Queues RST_STREAM for `id` (sent by the next pump).
  void Reset(int32_t id, uint32_t error_code);
  // With manual_window_updates: gives back the window of all DATA received so far.
  void ConsumeReceived();
  // Closes the TCP connection.
  void Disconnect();

  std::map<int32_t, Response> responses;
  bool goaway_received = false;

 private:
  struct Pending {
    std::string body;
    size_t offset = 0;
  };
  bool PumpOnce();
  bool SendAll();

  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source* source, void*);
  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* user);
  static int OnData(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len, void* user);
  static int OnStreamClose(nghttp2_session*, int32_t id, uint32_t error, void* user);
  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user);

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  nghttp2_session* session_ = nullptr;
  std::vector<std::unique_ptr<Pending>> pending_;
  int open_ = 0;
  bool ping_acked_ = false;
  std::map<int32_t, size_t> unconsumed_;  // DATA bytes per stream not yet given back
};

}  // namespace sluice::server::http::testing
