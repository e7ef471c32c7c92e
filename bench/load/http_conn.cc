#include "load/http_conn.h"

#include <boost/asio/redirect_error.hpp>

#include <cstring>
#include <stdexcept>

namespace sluice::bench {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

[[noreturn]] void Fail(const char* what) {
  throw boost::system::system_error(make_error_code(boost::system::errc::protocol_error), what);
}

}  // namespace

asio::awaitable<void> HttpConn::Connect(const tcp::endpoint& ep) {
  Close();
  ep_ = ep;
  co_await sock_.async_connect(ep, asio::use_awaitable);
  sock_.set_option(tcp::no_delay(true));
  close_after_ = false;
}

void HttpConn::Reserve(size_t need) {
  if (buf_.size() < need + kPadding) buf_.resize(std::max(need + kPadding, buf_.size() * 2));
}

asio::awaitable<void> HttpConn::Fill(size_t need) {
  Reserve(need);
  while (end_ < need) {
    size_t n = co_await sock_.async_read_some(asio::buffer(buf_.data() + end_, buf_.size() - kPadding - end_),
                                              asio::use_awaitable);
    end_ += n;
  }
}

asio::awaitable<HttpResponse> HttpConn::RoundTrip(std::string_view head, std::string_view body) {
  try {
    // The previous response said "Connection: close" (or ended at EOF): reconnect.
    if (close_after_) co_await Connect(ep_);
    if (consumed_ > 0) {  // drop the previous response (keep any bytes after it)
      std::memmove(buf_.data(), buf_.data() + consumed_, end_ - consumed_);
      end_ -= consumed_;
      consumed_ = 0;
    }
    std::array<asio::const_buffer, 2> out{asio::buffer(head.data(), head.size()),
                                          asio::buffer(body.data(), body.size())};
    co_await asio::async_write(sock_, out, asio::use_awaitable);

    // Header block.
    size_t hdr_end = 0, scanned = 0;
    for (;;) {
      std::string_view have(buf_.data(), end_);
      size_t p = have.find("\r\n\r\n", scanned > 3 ? scanned - 3 : 0);
      if (p != std::string_view::npos) {
        hdr_end = p + 4;
        break;
      }
      scanned = end_;
      if (end_ > (1 << 20)) Fail("response header too large");
      co_await Fill(end_ + 1);
    }
    HttpResponse r;
    std::string_view hdrs(buf_.data(), hdr_end - 2);
    size_t eol = hdrs.find("\r\n");
    std::string_view status_line = hdrs.substr(0, eol);
    if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") Fail("bad status line");
    r.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
    long long content_length = -1;
    bool chunked = false;
    // Header values are views into buf_, which may move on resize: remember offsets.
    size_t et_off = 0, et_len = 0;
    size_t pos = eol + 2;
    while (pos < hdrs.size()) {
      size_t e = hdrs.find("\r\n", pos);
      if (e == std::string_view::npos) e = hdrs.size();
      std::string_view line = hdrs.substr(pos, e - pos);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view name = line.substr(0, colon);
        std::string_view value = Trim(line.substr(colon + 1));
        if (IEquals(name, "content-length")) {
          content_length = std::atoll(std::string(value).c_str());
        } else if (IEquals(name, "transfer-encoding")) {
          chunked = value.find("chunked") != std::string_view::npos;
        } else if (IEquals(name, "connection")) {
          if (IEquals(value, "close")) close_after_ = true;
        } else if (IEquals(name, "x-amzn-errortype")) {
          size_t c = value.find(':');
          if (c != std::string_view::npos) value = value.substr(0, c);
          et_off = static_cast<size_t>(value.data() - buf_.data());
          et_len = value.size();
        }
      }
      pos = e + 2;
    }

    if (chunked) {
      chunked_.clear();
      size_t p = hdr_end;
      for (;;) {
        size_t line_end;
        for (;;) {
          std::string_view have(buf_.data(), end_);
          line_end = have.find("\r\n", p);
          if (line_end != std::string_view::npos) break;
          co_await Fill(end_ + 1);
        }
        size_t n = std::strtoull(std::string(buf_.data() + p, line_end - p).c_str(), nullptr, 16);
        p = line_end + 2;
        co_await Fill(p + n + 2);
        if (n == 0) {
          p += 2;  // final CRLF (trailers are not supported)
          break;
        }
        chunked_.append(buf_.data() + p, n);
        p += n + 2;
      }
      consumed_ = p;
      size_t len = chunked_.size();
      chunked_.append(kPadding, '\0');
      r.body = std::string_view(chunked_.data(), len);
      r.body_capacity = chunked_.size();
    } else if (content_length >= 0) {
      size_t need = hdr_end + static_cast<size_t>(content_length);
      co_await Fill(need);
      consumed_ = need;
      r.body = std::string_view(buf_.data() + hdr_end, static_cast<size_t>(content_length));
      r.body_capacity = buf_.size() - hdr_end;
    } else {
      // Body delimited by connection close.
      for (;;) {
        Reserve(end_ + 65536);
        boost::system::error_code ec;
        size_t n = co_await sock_.async_read_some(asio::buffer(buf_.data() + end_, buf_.size() - kPadding - end_),
                                                  asio::redirect_error(asio::use_awaitable, ec));
        end_ += n;
        if (ec) break;
      }
      close_after_ = true;
      consumed_ = end_;
      r.body = std::string_view(buf_.data() + hdr_end, end_ - hdr_end);
      r.body_capacity = buf_.size() - hdr_end;
    }
    if (et_len) r.error_type = std::string_view(buf_.data() + et_off, et_len);
    co_return r;
  } catch (...) {
    Close();
    throw;
  }
}

}  // namespace sluice::bench
