#include "alarms/http_post.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sluice::alarms {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

Result<HttpTarget> ParseHttpUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return Status(Errc::kInvalidArgument, "webhook URL must start with http://: " + url);
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  HttpTarget t;
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) t.path = std::string(rest.substr(slash));
  if (authority.empty()) return Status(Errc::kInvalidArgument, "webhook URL has no host: " + url);
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    t.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
    if (t.port.empty() || t.port.find_first_not_of("0123456789") != std::string::npos)
      return Status(Errc::kInvalidArgument, "webhook URL has a bad port: " + url);
  }
  t.host = std::string(authority);
  if (t.host.empty()) return Status(Errc::kInvalidArgument, "webhook URL has no host: " + url);
  return t;
}

Status HttpPost(const std::string& url, const Headers& headers, const std::string& body,
                std::chrono::milliseconds timeout) {
  SLUICE_ASSIGN_OR_RETURN(HttpTarget t, ParseHttpUrl(url));
  try {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    auto results = resolver.resolve(t.host, t.port);
    stream.connect(results);
    http::request<http::string_body> req{http::verb::post, t.path, 11};
    req.set(http::field::host, t.host + ":" + t.port);
    req.set(http::field::user_agent, "sluice-alarms");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    unsigned code = res.result_int();
    if (code < 200 || code >= 300) return Status(Errc::kUnavailable, "webhook answered HTTP " + std::to_string(code));
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(Errc::kUnavailable, std::string("webhook POST failed: ") + e.what());
  }
}

}  // namespace sluice::alarms
