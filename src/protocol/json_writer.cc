#include "protocol/json_writer.h"

#include <charconv>

#include "base/json_escape.h"

namespace sluice::protocol {

void JsonWriter::Key(std::string_view k) {
  Sep();
  AppendJsonString(out_, k);
  out_->push_back(':');
  after_key_ = true;
}

void JsonWriter::String(std::string_view s) {
  Sep();
  AppendJsonString(out_, s);
}

void JsonWriter::Int(int64_t v) {
  Sep();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, r.ptr);
}

void JsonWriter::TimestampMillis(int64_t ms) {
  Sep();
  if (ms < 0) ms = 0;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, ms / 1000);
  out_->append(buf, r.ptr);
  int frac = static_cast<int>(ms % 1000);
  out_->push_back('.');
  out_->push_back(static_cast<char>('0' + frac / 100));
  out_->push_back(static_cast<char>('0' + frac / 10 % 10));
  out_->push_back(static_cast<char>('0' + frac % 10));
}

}  // namespace sluice::protocol
