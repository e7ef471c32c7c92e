#include "server/main/server_config.h"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>

namespace sluice::server {
namespace {

bool ParseU64(const std::string& s, uint64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool ParseSize(const std::string& s, uint64_t* out) {
  // Accepts plain bytes or a K/M/G (binary) suffix: 16M = 16 MiB.
  if (s.empty()) return false;
  uint64_t mult = 1;
  std::string num = s;
  char last = static_cast<char>(std::toupper(static_cast<unsigned char>(s.back())));
  if (last == 'K' || last == 'M' || last == 'G') {
    mult = last == 'K' ? 1024 : last == 'M' ? 1024 * 1024 : 1024ull * 1024 * 1024;
    num.pop_back();
  }
  uint64_t v = 0;
  if (!ParseU64(num, &v) || v > UINT64_MAX / mult) return false;
  *out = v * mult;
  return true;
}

}  // namespace

std::string ServeHelpText() {
  return R"(Usage: sluice serve [flags]

Serve the Amazon Kinesis Data Streams API (AWS JSON 1.1 over HTTP/1.1 and cleartext HTTP/2).
Point any AWS client at it with an endpoint override, e.g.
  aws --endpoint-url http://127.0.0.1:4567 kinesis list-streams

Network:
  --host ADDR                  address to listen on (default 127.0.0.1)
  --port N                     TCP port (default 4567; 0 picks a free port and logs it)
  --io-threads N               network threads (default: one per core)
  --max-connections N          concurrent connections accepted (default 10000)
  --max-body-size SIZE         largest request body; larger get HTTP 413 (default 16M;
                               a 10 MiB PutRecords is ~14 MiB of JSON)
  --idle-timeout-ms N          close idle keep-alive connections after N ms (default 120000)
  --header-timeout-ms N        close connections that do not send a request head in N ms
                               (default 10000)

Identity:
  --region NAME                region used when a request's signature names none (default us-east-1)
  --account-id ID              12-digit account for access keys that are not 12 digits
                               (default 000000000000); a 12-digit access key id is its own account
  --auth structural|verify     structural (default): require well-formed, current SigV4 but accept
                               any key; verify: check signatures against --credentials
  --credentials AKID:SECRET    a key pair for --auth verify (repeatable)

Storage and streams:
  --data-dir DIR               where Sluice keeps its data (default ./data)
  --storage disk|memory        disk (default): streams and records survive restarts under
                               --data-dir; memory: they are lost when the server exits
  --durability sync|interval|none
                               sync (default): acknowledge a put only after fdatasync has made it
                               durable (one fdatasync covers every put waiting for it);
                               interval: acknowledge once written, fdatasync every
                               --sync-interval-ms; none: never fdatasync (a crash of the machine,
                               not of Sluice, can lose acknowledged records)
  --sync-interval-ms N         fdatasync period for --durability interval (default 200)
  --segment-size SIZE          a shard's segment file is sealed at this size (default 64M);
                               retention frees whole segments
  --segment-max-age-ms N       ... or when its oldest record is this old (default 3600000)
  --direct-io on|off           O_DIRECT segment writes where the filesystem allows, and reads of
                               at least --direct-read-min bypassing the page cache (default on)
  --direct-read-min SIZE       smallest read that bypasses the page cache (default 512K; 0 = none)
  --read-ahead SIZE            memory for reading ahead of consumers that catch up sequentially
                               (default 64M; 0 = off)
  --commit-threads N           threads that write and fdatasync shard logs (default 2)
  --retention-check-ms N       how often expired segments are deleted (default 60000)
  --memory-limit SIZE          --storage memory: cap on record bytes held in memory; puts beyond
                               it fail with ServiceUnavailable (default: unlimited)
  --create-stream-delay-ms N   time a new stream stays CREATING (default 0; AWS takes seconds)
  --delete-stream-delay-ms N   time a deleted stream stays DELETING (default 0)
  --update-stream-delay-ms N   time a resharded stream stays UPDATING (default 0; AWS takes
                               seconds to minutes); resharding it meanwhile is ResourceInUse
  --shard-limit N              open provisioned shards per account and region (default 500)
  --on-demand-stream-limit N   on-demand streams per account and region (default 50)
  --on-demand-scaling on|off   ON_DEMAND streams split hot shards (or double) under sustained
                               load and merge back when idle, never below 4 shards (default on)
  --on-demand-scaling-interval-ms N
                               how often the scaler looks at write rates (default 1000)
  --on-demand-scale-up-after-ms N
                               how long a shard (or the stream) must run at 80% of its write
                               limit before it is split (default 60000)
  --on-demand-scale-down-after-ms N
                               how long a stream must use under 20% of its write capacity
                               before its shards are merged pairwise (default 3600000)

Throughput limits (AWS's per-shard and per-API quotas; model in src/limits/README.md):
  --limits aws|off|custom      aws (default): per shard 1 MiB/s and 1000 records/s written,
                               5 GetRecords/s and 2 MiB/s read, 5 GetShardIterator/s; control-plane
                               TPS as AWS documents (DescribeStream 10/s per account, ...);
                               off: no limits at all (self-hosted production);
                               custom: AWS's values changed by the flags below or --limits-file
                               (any of them implies custom)
  --control-plane-limits on|off
                               control-plane TPS quotas (LimitExceededException); default on with
                               --limits aws|custom, off with --limits off
  --shard-write-bytes-per-sec SIZE      (default 1M)
  --shard-write-records-per-sec N       (default 1000)
  --shard-read-calls-per-sec N          (default 5)
  --shard-read-bytes-per-sec SIZE       (default 2M)
  --shard-iterator-calls-per-sec N      (default 5)
  --limits-burst-seconds N     every bucket holds N seconds of its rate (default 1)
  --control-plane-rate ACTION=TPS
                               e.g. DescribeStream=100 (repeatable; CreateStream, DeleteStream,
                               DescribeStream, DescribeStreamSummary, ListStreams, ListShards,
                               DescribeLimits, UpdateShardCount, SplitShard, MergeShards)
  --limits-file PATH           key=value lines with the flag names above without "--"
                               ('#' starts a comment)

Fault injection (for testing clients; off by default):
  --inject-error-rate P        each PutRecords entry, PutRecord, GetRecords and GetShardIterator
                               fails with probability P (0..1): half ProvisionedThroughputExceeded,
                               half InternalFailure
  --inject-latency-ms N        delay every data-plane call by N ms

Other:
  --log-level debug|info|warn|error   (default info)
  -h, --help                   show this help
)";
}

namespace {

// Flags that change a limit value: they imply --limits custom and may appear in --limits-file.
const std::set<std::string> kCustomLimitFlags = {
    "--shard-write-bytes-per-sec", "--shard-write-records-per-sec",  "--shard-read-calls-per-sec",
    "--shard-read-bytes-per-sec",  "--shard-iterator-calls-per-sec", "--limits-burst-seconds",
    "--control-plane-rate",
};

bool ParseRate(const std::string& v, uint64_t* out) {
  uint64_t x;
  if (!ParseSize(v, &x) || x < 1 || x > (uint64_t{1} << 40)) return false;
  *out = x;
  return true;
}

}  // namespace

ParseOutcome ParseServeFlags(const std::vector<std::string>& args, ServerConfig* c) {
  ParseOutcome out;
  bool mode_explicit = false, custom_values = false;
  std::optional<bool> control_plane;
  std::vector<std::string> limits_files;
  auto fail = [&](std::string msg) {
    out.ok = false;
    out.error = std::move(msg);
    return out;
  };
  using Setter = std::function<bool(const std::string&)>;
  auto u64 = [](auto* field) {
    return Setter([field](const std::string& v) {
      using T = std::remove_reference_t<decltype(*field)>;
      uint64_t x;
      if (!ParseU64(v, &x) || x > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
      *field = static_cast<T>(x);
      return true;
    });
  };
  auto ms = [](std::chrono::milliseconds* field) {
    return Setter([field](const std::string& v) {
      uint64_t x;
      if (!ParseU64(v, &x) || x > uint64_t{INT32_MAX}) return false;
      *field = std::chrono::milliseconds(x);
      return true;
    });
  };
  auto str = [](std::string* field) {
    return Setter([field](const std::string& v) {
      *field = v;
      return !v.empty();
    });
  };
  std::map<std::string, Setter> flags = {
      {"--host", str(&c->http.host)},
      {"--port",
       [c](const std::string& v) {
         uint64_t x;
         if (!ParseU64(v, &x) || x > 65535) return false;
         c->http.port = static_cast<uint16_t>(x);
         return true;
       }},
      {"--io-threads", u64(&c->http.io_threads)},
      {"--max-connections", u64(&c->http.max_connections)},
      {"--max-body-size",
       [c](const std::string& v) {
         uint64_t x;
         if (!ParseSize(v, &x) || x < 1024) return false;
         c->http.max_body_bytes = x;
         return true;
       }},
      {"--idle-timeout-ms", ms(&c->http.idle_timeout)},
      {"--header-timeout-ms", ms(&c->http.header_read_timeout)},
      {"--region", str(&c->http.default_region)},
      {"--account-id",
       [c](const std::string& v) {
         if (v.size() != 12 || v.find_first_not_of("0123456789") != std::string::npos) return false;
         c->http.default_account_id = v;
         return true;
       }},
      {"--auth",
       [c](const std::string& v) {
         if (v == "structural") c->http.auth_mode = http::AuthMode::kStructural;
         else if (v == "verify") c->http.auth_mode = http::AuthMode::kVerify;
         else return false;
         return true;
       }},
      {"--credentials",
       [c](const std::string& v) {
         size_t colon = v.find(':');
         if (colon == std::string::npos || colon == 0 || colon + 1 == v.size()) return false;
         c->http.credentials[v.substr(0, colon)] = v.substr(colon + 1);
         return true;
       }},
      {"--data-dir", str(&c->data_dir)},
      {"--storage",
       [c](const std::string& v) {
         if (v != "disk" && v != "memory") return false;
         c->storage = v;
         return true;
       }},
      {"--durability",
       [c](const std::string& v) {
         auto d = storage::ParseDurability(v);
         if (!d) return false;
         c->disk.durability = *d;
         return true;
       }},
      {"--sync-interval-ms",
       [c](const std::string& v) {
         uint64_t x;
         if (!ParseU64(v, &x) || x < 1 || x > 3600000) return false;
         c->disk.sync_interval_ms = static_cast<int64_t>(x);
         return true;
       }},
      {"--segment-size",
       [c](const std::string& v) {
         uint64_t x;
         if (!ParseSize(v, &x) || x < (1 << 20) || x > (uint64_t{1} << 40)) return false;
         c->disk.segment_bytes = x;
         return true;
       }},
      {"--segment-max-age-ms",
       [c](const std::string& v) {
         uint64_t x;
         if (!ParseU64(v, &x) || x < 1000 || x > uint64_t{INT32_MAX} * 1000) return false;
         c->disk.segment_max_age_ms = static_cast<int64_t>(x);
         return true;
       }},
      {"--direct-io",
       [c](const std::string& v) {
         if (v != "on" && v != "off") return false;
         c->disk.direct_io = v == "on";
         return true;
       }},
      {"--direct-read-min", [c](const std::string& v) { return ParseSize(v, &c->disk.direct_read_min_bytes); }},
      {"--read-ahead", [c](const std::string& v) { return ParseSize(v, &c->disk.read_ahead_max_bytes); }},
      {"--commit-threads",
       [c](const std::string& v) {
         uint64_t x;
         if (!ParseU64(v, &x) || x < 1 || x > 64) return false;
         c->disk.commit_threads = static_cast<uint32_t>(x);
         return true;
       }},
      {"--retention-check-ms",
       [c](const std::string& v) {
         uint64_t x;
         if (!ParseU64(v, &x) || x < 10 || x > 86400000) return false;
         c->retention_check_ms = static_cast<int64_t>(x);
         return true;
       }},
      {"--memory-limit", [c](const std::string& v) { return ParseSize(v, &c->memory_limit_bytes); }},
      {"--create-stream-delay-ms", u64(&c->catalog.create_stream_delay_ms)},
      {"--delete-stream-delay-ms", u64(&c->catalog.delete_stream_delay_ms)},
      {"--update-stream-delay-ms", u64(&c->catalog.update_stream_delay_ms)},
      {"--shard-limit", u64(&c->catalog.shard_limit)},
      {"--on-demand-stream-limit", u64(&c->catalog.on_demand_stream_limit)},
      {"--on-demand-scaling",
       [c](const std::string& v) {
         if (v != "on" && v != "off") return false;
         c->on_demand_scaling = v == "on";
         return true;
       }},
      {"--on-demand-scaling-interval-ms",
       [c](const std::string& v) {
         uint64_t x;
         if (!ParseU64(v, &x) || x < 10 || x > 86400000) return false;
         c->on_demand_scaling_interval_ms = static_cast<int64_t>(x);
         return true;
       }},
      {"--on-demand-scale-up-after-ms", u64(&c->scaler.scale_up_after_ms)},
      {"--on-demand-scale-down-after-ms", u64(&c->scaler.scale_down_after_ms)},
      {"--limits",
       [&](const std::string& v) {
         if (v != "aws" && v != "off" && v != "custom") return false;
         c->limits_mode = v;
         mode_explicit = true;
         return true;
       }},
      {"--control-plane-limits",
       [&](const std::string& v) {
         if (v != "on" && v != "off") return false;
         control_plane = v == "on";
         return true;
       }},
      {"--shard-write-bytes-per-sec",
       [c](const std::string& v) { return ParseRate(v, &c->limits.shard_write_bytes_per_sec); }},
      {"--shard-write-records-per-sec",
       [c](const std::string& v) { return ParseRate(v, &c->limits.shard_write_records_per_sec); }},
      {"--shard-read-calls-per-sec",
       [c](const std::string& v) { return ParseRate(v, &c->limits.shard_read_calls_per_sec); }},
      {"--shard-read-bytes-per-sec",
       [c](const std::string& v) { return ParseRate(v, &c->limits.shard_read_bytes_per_sec); }},
      {"--shard-iterator-calls-per-sec",
       [c](const std::string& v) { return ParseRate(v, &c->limits.shard_iterator_calls_per_sec); }},
      {"--limits-burst-seconds",
       [c](const std::string& v) {
         uint64_t x;
         if (!ParseU64(v, &x) || x < 1 || x > 3600) return false;
         c->limits.burst_seconds = x;
         return true;
       }},
      {"--control-plane-rate",
       [c](const std::string& v) {
         size_t eq = v.find('=');
         auto action = limits::ParseControlAction(v.substr(0, eq == std::string::npos ? 0 : eq));
         uint64_t tps;
         if (!action || !ParseU64(v.substr(eq + 1), &tps) || tps < 1 || tps > 1'000'000) return false;
         c->limits.control_tps[static_cast<size_t>(*action)] = tps;
         return true;
       }},
      {"--limits-file",
       [&](const std::string& v) {
         limits_files.push_back(v);
         return !v.empty();
       }},
      {"--inject-error-rate",
       [c](const std::string& v) {
         char* end = nullptr;
         double p = std::strtod(v.c_str(), &end);
         if (v.empty() || *end != '\0' || !(p >= 0 && p <= 1)) return false;
         c->faults.error_rate = p;
         return true;
       }},
      {"--inject-latency-ms",
       [c](const std::string& v) {
         uint64_t x;
         if (!ParseU64(v, &x) || x > 60'000) return false;
         c->faults.latency_ms = static_cast<int64_t>(x);
         return true;
       }},
      {"--log-level",
       [c](const std::string& v) {
         if (v != "debug" && v != "info" && v != "warn" && v != "error") return false;
         c->log_level = v;
         return true;
       }},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i], value;
    if (name == "-h" || name == "--help") {
      out.help = true;
      return out;
    }
    size_t eq = name.find('=');
    bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto it = flags.find(name);
    if (it == flags.end()) return fail("unknown flag " + name + " (see sluice serve --help)");
    if (!inline_value) {
      if (i + 1 >= args.size()) return fail("flag " + name + " needs a value");
      value = args[++i];
    }
    if (!it->second(value)) return fail("invalid value '" + value + "' for " + name);
    custom_values |= kCustomLimitFlags.count(name) > 0;
  }
  for (const std::string& path : limits_files) {
    std::ifstream in(path);
    if (!in) return fail("cannot read --limits-file " + path);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      line = line.substr(0, line.find('#'));
      size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
      if (b == std::string::npos) continue;
      line = line.substr(b, e - b + 1);
      size_t eq = line.find('=');
      std::string key = "--" + line.substr(0, eq == std::string::npos ? line.size() : eq);
      key.erase(key.find_last_not_of(" \t") + 1);
      size_t vb = eq == std::string::npos ? std::string::npos : line.find_first_not_of(" \t", eq + 1);
      std::string value = vb == std::string::npos ? "" : line.substr(vb);
      auto it = flags.find(key);
      if (it == flags.end() || !kCustomLimitFlags.count(key) || !it->second(value))
        return fail(path + ":" + std::to_string(n) + ": not a valid limit setting: " + line);
      custom_values = true;
    }
  }
  if (custom_values) {
    if (mode_explicit && c->limits_mode != "custom")
      return fail("limit values need --limits custom (they are ignored with --limits " + c->limits_mode + ")");
    c->limits_mode = "custom";
  }
  c->limits.data_plane = c->limits_mode != "off";
  c->limits.control_plane = control_plane.value_or(c->limits_mode != "off");
  if (c->http.auth_mode == http::AuthMode::kVerify && c->http.credentials.empty())
    return fail("--auth verify needs at least one --credentials AKID:SECRET");
  return out;
}

}  // namespace sluice::server
