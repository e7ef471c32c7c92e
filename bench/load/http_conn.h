#pragma once
// A minimal HTTP/1.1 keep-alive client connection for the load generator: one request in
// flight, Content-Length or chunked responses, response body viewed in place with
// simdjson padding behind it so it can be parsed without a copy.
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct HttpResponse {
  int status = 0;
  std::string_view body;        // valid until the next RoundTrip
  size_t body_capacity = 0;     // readable bytes from body.data() (>= size + kPadding)
  std::string_view error_type;  // x-amzn-ErrorType header, up to ':' (may be empty)
};

class HttpConn {
 public:
  static constexpr size_t kPadding = 64;  // >= SIMDJSON_PADDING

  explicit HttpConn(asio::any_io_executor ex) : sock_(ex) { buf_.resize(64 * 1024); }
  bool is_open() const { return sock_.is_open(); }
  void Close() {
    boost::system::error_code ec;
    sock_.close(ec);
    end_ = consumed_ = 0;
  }
  asio::awaitable<void> Connect(const tcp::endpoint& ep);
  // Sends head + body and reads the full response. Throws boost::system::system_error on
  // I/O or protocol errors (the connection is then closed).
  asio::awaitable<HttpResponse> RoundTrip(std::string_view head, std::string_view body);

 private:
  asio::awaitable<void> Fill(size_t need);  // until end_ >= need
  void Reserve(size_t need);

  tcp::socket sock_;
  tcp::endpoint ep_;
  std::vector<char> buf_;
  size_t end_ = 0;       // bytes valid in buf_
  size_t consumed_ = 0;  // bytes of buf_ belonging to the previous response
  std::string chunked_;  // de-chunked body (with padding)
  bool close_after_ = false;
};

}  // namespace sluice::bench
