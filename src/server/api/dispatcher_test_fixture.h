#pragma once
// The fixture the dispatcher_*_test.cc files share: drives KinesisDispatcher directly (no HTTP)
// over the in-memory store and a ManualClock, with helpers that build requests and read replies.
#include "server/api/kinesis_dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/base64.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "model/hash_key.h"
#include "model/sequence_number.h"
#include "model/shard_id.h"
#include "model/shard_iterator.h"
#include "server/api/api_context.h"
#include "storage/memory_log_store.h"

namespace sluice::server::api::dispatcher_testing {

using ::testing::HasSubstr;
using ::testing::StartsWith;

inline constexpr std::string_view kAccount = "123456789012";
inline constexpr std::string_view kRegion = "us-east-1";
inline constexpr int64_t kStart = 1'700'000'000'000;

inline std::string Arn(std::string_view name, std::string_view region = kRegion, std::string_view account = kAccount) {
  return "arn:aws:kinesis:" + std::string(region) + ":" + std::string(account) + ":stream/" + std::string(name);
}

inline std::string B64(std::string_view raw) {
  std::string out;
  base64::AppendEncoded(raw, &out);
  return out;
}

// JSON string literal for test-built bodies (keys and names here need no escaping beyond this).
inline std::string Q(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// "prefix" + number without operator+(const char*, std::string&&), which trips GCC 12's
// -Wrestrict false positive (PR105329).
inline std::string Num(std::string_view prefix, long long n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

struct Reply {
  int status = 0;
  std::string error_type;
  std::string body;
  simdjson::dom::element json;  // parsed body (valid for the fixture's lifetime); null if empty
  int completions = 0;

  std::string Message() const {
    std::string_view m;
    if (json["message"].get(m) == simdjson::SUCCESS) return std::string(m);
    if (json["Message"].get(m) == simdjson::SUCCESS) return std::string(m);
    return "";
  }
};

inline std::ostream& operator<<(std::ostream& os, const Reply& r) {
  return os << "HTTP " << r.status << " " << r.error_type << " " << r.body;
}

inline std::string Str(simdjson::simdjson_result<simdjson::dom::element> e) {
  std::string_view v = e;  // throws (failing the test) if missing or not a string
  return std::string(v);
}

struct PutResult {
  std::string shard_id;
  std::string sequence_number;
};

struct Rec {
  std::string sequence_number;
  std::string data;
  std::string partition_key;
  double arrival = 0;
};

struct Page {
  std::vector<Rec> records;
  std::optional<std::string> next;
  int64_t millis_behind = -1;
  bool has_child_shards = false;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { Rebuild({}); }

  void Rebuild(catalog::CatalogOptions options, ApiOptions api = {}) {
    catalog_ = std::make_unique<catalog::Catalog>(options, &clock_, logs_.get(), meta_.get());
    ctx_.catalog = catalog_.get();
    ctx_.clock = &clock_;
    for (size_t i = 0; i < ctx_.iterator_key.size(); ++i) ctx_.iterator_key[i] = static_cast<uint8_t>(i * 13 + 5);
    ctx_.options = api;
    dispatcher_ = std::make_unique<KinesisDispatcher>(&ctx_);
  }

  Reply Call(std::string_view op, std::string_view json, const CallerIdentity* who = nullptr,
             protocol::BodyEncoding enc = protocol::BodyEncoding::kJson) {
    // The body is followed by kBodyPadding readable bytes, as the transport guarantees.
    bodies_.emplace_back();
    std::string& buf = bodies_.back();
    buf.reserve(json.size() + kBodyPadding);
    buf.assign(json);
    buf.append(kBodyPadding, '}');
    ApiRequest req;
    req.operation = op;
    req.encoding = enc;
    req.body = std::string_view(buf.data(), json.size());
    req.caller = who ? *who : caller_;
    req.request_id = "00000000-0000-4000-8000-000000000000";
    req.received_at_ms = clock_.NowMillis();
    ApiResponse resp;
    resp.body = "junk left over from a previous response";
    Reply r;
    dispatcher_->Dispatch(req, &resp, [&r] { ++r.completions; });
    EXPECT_EQ(r.completions, 1) << op << " must complete exactly once (synchronously with the in-memory store)";
    r.status = resp.http_status;
    r.error_type = std::string(resp.error_type);
    r.body = resp.body;
    if (!r.body.empty() && enc == protocol::BodyEncoding::kJson) {
      parsers_.emplace_back();
      auto err = parsers_.back().parse(r.body).get(r.json);
      EXPECT_EQ(err, simdjson::SUCCESS) << op << " returned invalid JSON: " << r.body;
    }
    return r;
  }

  Reply Ok(std::string_view op, std::string_view json, const CallerIdentity* who = nullptr) {
    Reply r = Call(op, json, who);
    EXPECT_EQ(r.status, 200) << op << " " << json << " -> " << r;
    EXPECT_TRUE(r.error_type.empty()) << r;
    return r;
  }

  // Expects an AWS error of the given type; returns its message.
  std::string Err(std::string_view op, std::string_view json, std::string_view type, int http = 400,
                  const CallerIdentity* who = nullptr) {
    Reply r = Call(op, json, who);
    EXPECT_EQ(r.status, http) << op << " " << json << " -> " << r;
    EXPECT_EQ(r.error_type, type) << op << " " << json << " -> " << r;
    std::string_view t;
    if (r.json["__type"].get(t) == simdjson::SUCCESS) {
      EXPECT_EQ(t, type);
    } else {
      ADD_FAILURE() << "error body without __type: " << r;
    }
    return r.Message();
  }

  void CreateStream(std::string_view name, int shards) {
    Reply r = Ok("CreateStream", "{\"StreamName\":" + Q(name) + ",\"ShardCount\":" + std::to_string(shards) + "}");
    EXPECT_EQ(r.body, "");  // no output shape: empty body
  }

  PutResult Put(std::string_view stream, std::string_view key, std::string_view data,
                std::optional<std::string_view> ehk = std::nullopt) {
    std::string body =
        "{\"StreamName\":" + Q(stream) + ",\"PartitionKey\":" + Q(key) + ",\"Data\":\"" + B64(data) + "\"";
    if (ehk) body += ",\"ExplicitHashKey\":" + Q(*ehk);
    body += "}";
    Reply r = Ok("PutRecord", body);
    PutResult out;
    if (r.status != 200) return out;
    out.shard_id = Str(r.json["ShardId"]);
    out.sequence_number = Str(r.json["SequenceNumber"]);
    EXPECT_EQ(std::string_view(r.json["EncryptionType"]), "NONE");
    return out;
  }

  std::string Iterator(std::string_view stream, std::string_view shard, std::string_view type,
                       std::string_view extra = "") {
    Reply r = Ok("GetShardIterator", "{\"StreamName\":" + Q(stream) + ",\"ShardId\":" + Q(shard) +
                                         ",\"ShardIteratorType\":" + Q(type) + std::string(extra) + "}");
    std::string_view it;
    if (r.json["ShardIterator"].get(it) != simdjson::SUCCESS) {
      ADD_FAILURE() << "no ShardIterator in " << r;
      return "";
    }
    return std::string(it);
  }

  Page Get(std::string_view iterator, std::optional<int> limit = std::nullopt) {
    std::string body = "{\"ShardIterator\":" + Q(iterator);
    if (limit) body += ",\"Limit\":" + std::to_string(*limit);
    body += "}";
    Reply r = Ok("GetRecords", body);
    Page p;
    if (r.status != 200) return p;
    for (simdjson::dom::element rec : simdjson::dom::array(r.json["Records"])) {
      Rec x;
      x.sequence_number = Str(rec["SequenceNumber"]);
      std::string_view data = rec["Data"];
      EXPECT_TRUE(base64::DecodeToString(data, &x.data)) << data;
      x.partition_key = Str(rec["PartitionKey"]);
      x.arrival = double(rec["ApproximateArrivalTimestamp"]);
      p.records.push_back(std::move(x));
    }
    std::string_view next;
    if (r.json["NextShardIterator"].get(next) == simdjson::SUCCESS) p.next = std::string(next);
    p.millis_behind = int64_t(r.json["MillisBehindLatest"]);
    simdjson::dom::element children;
    p.has_child_shards = r.json["ChildShards"].get(children) == simdjson::SUCCESS;
    return p;
  }

  // Every record of a shard from TRIM_HORIZON.
  std::vector<Rec> ReadShard(std::string_view stream, std::string_view shard) {
    std::vector<Rec> all;
    std::string it = Iterator(stream, shard, "TRIM_HORIZON");
    for (int i = 0; i < 100 && !it.empty(); ++i) {
      Page p = Get(it);
      if (p.records.empty()) break;
      for (auto& r : p.records) all.push_back(std::move(r));
      if (!p.next) break;
      it = *p.next;
    }
    return all;
  }

  size_t TotalRecords(std::string_view stream, int shards) {
    size_t n = 0;
    for (int i = 0; i < shards; ++i) n += ReadShard(stream, model::FormatShardId({static_cast<uint32_t>(i)})).size();
    return n;
  }

  static model::SequenceNumber Sn(std::string_view text) {
    auto sn = model::ParseSequenceNumber(text);
    EXPECT_TRUE(sn.has_value()) << text;
    return sn.value_or(model::SequenceNumber{});
  }

  ManualClock clock_{kStart};
  std::unique_ptr<storage::MemoryLogStore> logs_ = storage::NewMemoryLogStore();
  std::unique_ptr<catalog::MetadataStore> meta_ = catalog::NewMemoryMetadataStore();
  std::unique_ptr<catalog::Catalog> catalog_;
  ApiContext ctx_;
  std::unique_ptr<KinesisDispatcher> dispatcher_;
  CallerIdentity caller_{std::string(kAccount), std::string(kRegion), "AKIAEXAMPLE"};
  std::deque<std::string> bodies_;
  std::deque<simdjson::dom::parser> parsers_;
};

inline std::vector<std::string> StreamNames(const Reply& r) {
  std::vector<std::string> names;
  for (simdjson::dom::element n : simdjson::dom::array(r.json["StreamNames"])) names.emplace_back(std::string_view(n));
  return names;
}

}  // namespace sluice::server::api::dispatcher_testing
