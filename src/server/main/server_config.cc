#include "server/main/server_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <utility>

#include "server/main/credentials_file.h"

namespace sluice::server {
namespace {

// A flag value's spelling and the enum it names.
template <typename E>
struct Named {
  std::string_view name;
  E value;
};

constexpr Named<StorageKind> kStorageKinds[] = {{"disk", StorageKind::kDisk}, {"memory", StorageKind::kMemory}};
constexpr Named<LimitsMode> kLimitsModes[] = {
    {"aws", LimitsMode::kAws}, {"off", LimitsMode::kOff}, {"custom", LimitsMode::kCustom}};
constexpr Named<log::Level> kLogLevels[] = {{"debug", log::Level::kDebug},
                                            {"info", log::Level::kInfo},
                                            {"warn", log::Level::kWarn},
                                            {"error", log::Level::kError}};
constexpr Named<bool> kOnOff[] = {{"on", true}, {"off", false}};

template <typename E, size_t N>
std::optional<E> FindNamed(const Named<E> (&names)[N], std::string_view s) {
  for (const auto& n : names)
    if (n.name == s) return n.value;
  return std::nullopt;
}

template <typename E, size_t N>
std::string_view NameOf(const Named<E> (&names)[N], E value) {
  for (const auto& n : names)
    if (n.value == value) return n.name;
  return "?";
}

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

// A limit rate: a size (K/M/G allowed), 1 .. 2^40.
bool ParseRate(const std::string& v, uint64_t* out) {
  uint64_t x;
  if (!ParseSize(v, &x) || x < 1 || x > (uint64_t{1} << 40)) return false;
  *out = x;
  return true;
}

// What the flags set besides ServerConfig fields: resolved once every flag has been read.
struct ParseState {
  explicit ParseState(ServerConfig* config) : c(config) {}
  ServerConfig* c;
  bool mode_explicit = false;
  std::optional<bool> control_plane;
  std::vector<std::string> limits_files;
  bool auth_explicit = false;
  bool insecure_any_credentials = false;
  std::vector<std::string> credentials_files;
  bool tls_port_explicit = false;
};

using Setter = std::function<bool(const std::string& value, ParseState& st)>;

// Setters for the common kinds of value. `field` maps the config to the member it sets.
template <typename FieldOf>
Setter Uint(FieldOf field, uint64_t lo = 0, uint64_t hi = UINT64_MAX) {
  return [field, lo, hi](const std::string& v, ParseState& st) {
    auto& f = field(*st.c);
    using T = std::remove_reference_t<decltype(f)>;
    uint64_t x;
    if (!ParseU64(v, &x) || x < lo || x > std::min(hi, static_cast<uint64_t>(std::numeric_limits<T>::max())))
      return false;
    f = static_cast<T>(x);
    return true;
  };
}

template <typename FieldOf>
Setter Size(FieldOf field, uint64_t lo = 0, uint64_t hi = UINT64_MAX) {
  return [field, lo, hi](const std::string& v, ParseState& st) {
    uint64_t x;
    if (!ParseSize(v, &x) || x < lo || x > hi) return false;
    field(*st.c) = x;
    return true;
  };
}

template <typename FieldOf>
Setter Millis(FieldOf field) {
  return [field](const std::string& v, ParseState& st) {
    uint64_t x;
    if (!ParseU64(v, &x) || x > uint64_t{INT32_MAX}) return false;
    field(*st.c) = std::chrono::milliseconds(x);
    return true;
  };
}

template <typename FieldOf>
Setter Text(FieldOf field) {
  return [field](const std::string& v, ParseState& st) {
    field(*st.c) = v;
    return !v.empty();
  };
}

template <typename FieldOf, typename E, size_t N>
Setter OneOf(FieldOf field, const Named<E> (&names)[N]) {
  return [field, &names](const std::string& v, ParseState& st) {
    auto value = FindNamed(names, v);
    if (value) field(*st.c) = *value;
    return value.has_value();
  };
}

template <typename FieldOf>
Setter Rate(FieldOf field) {
  return [field](const std::string& v, ParseState& st) { return ParseRate(v, &field(*st.c)); };
}

#define SLUICE_FIELD(member) ([](ServerConfig & c) -> auto& { return c.member; })

enum class Section : uint8_t { kNetwork, kIdentity, kStorage, kFanOut, kLimits, kFaults, kOther };

constexpr std::string_view kSectionTitles[] = {
    "Network:",
    "Identity:",
    "Storage and streams:",
    "Enhanced fan-out (SubscribeToShard):",
    "Throughput limits (AWS's per-shard and per-API quotas; model in src/limits/README.md):",
    "Fault injection (for testing clients; off by default):",
    "Other:",
};

// kLimitValue flags change a limit: they imply --limits custom and may appear in --limits-file.
enum class FlagKind : uint8_t { kPlain, kLimitValue };

struct Flag {
  Section section;
  std::string_view name;   // "--port"
  std::string_view value;  // the placeholder in --help: "N", "SIZE", "disk|memory"; empty: a switch without value
  std::string_view help;
  std::string_view default_text;  // shown as "(default ...)"; empty when there is none to show
  Setter set;
  FlagKind kind = FlagKind::kPlain;
};

const std::vector<Flag>& Flags() {
  static const std::vector<Flag> kFlags = {
      // Network
      {Section::kNetwork, "--host", "ADDR", "address to listen on", "127.0.0.1", Text(SLUICE_FIELD(http.host))},
      {Section::kNetwork, "--port", "N", "TCP port; 0 picks a free port and logs it", "4567",
       Uint(SLUICE_FIELD(http.port), 0, 65535)},
      {Section::kNetwork, "--io-threads", "N", "network threads", "one per core", Uint(SLUICE_FIELD(http.io_threads))},
      {Section::kNetwork, "--max-connections", "N", "concurrent connections accepted", "10000",
       Uint(SLUICE_FIELD(http.max_connections))},
      {Section::kNetwork, "--max-body-size", "SIZE",
       "largest request body, larger get HTTP 413; a 10 MiB PutRecords is ~14 MiB of JSON", "16M",
       Size(SLUICE_FIELD(http.max_body_bytes), 1024)},
      {Section::kNetwork, "--idle-timeout-ms", "N", "close idle keep-alive connections after N ms", "120000",
       Millis(SLUICE_FIELD(http.idle_timeout))},
      {Section::kNetwork, "--header-timeout-ms", "N",
       "close connections that do not send a request head (or finish a TLS handshake) in N ms", "10000",
       Millis(SLUICE_FIELD(http.header_read_timeout))},
      {Section::kNetwork, "--tls", "off|auto",
       "auto: serve TLS with a private certificate authority and server certificate generated on first start under "
       "--data-dir/tls (clients trust tls/ca.pem; the server certificate names localhost, 127.0.0.1, ::1 and "
       "--host) and reused afterwards",
       "off",
       [](const std::string& v, ParseState& st) {
         if (v != "off" && v != "auto") return false;
         st.c->tls_auto = v == "auto";
         return true;
       }},
      {Section::kNetwork, "--tls-cert", "FILE",
       "serve TLS with this PEM certificate (the server's first, then intermediates); needs --tls-key", "",
       Text(SLUICE_FIELD(http.tls_cert_file))},
      {Section::kNetwork, "--tls-key", "FILE", "the PEM private key of --tls-cert", "",
       Text(SLUICE_FIELD(http.tls_key_file))},
      {Section::kNetwork, "--tls-port", "N|off",
       "with TLS on, a port that speaks only TLS; 0 picks a free port and logs it; off: none", "4568, a free port "
       "with --port 0",
       [](const std::string& v, ParseState& st) {
         st.tls_port_explicit = true;
         uint64_t port;
         if (v == "off") st.c->http.tls_port = -1;
         else if (ParseU64(v, &port) && port <= 65535) st.c->http.tls_port = static_cast<int32_t>(port);
         else return false;
         return true;
       }},
      {Section::kNetwork, "--tls-main-port", "on|off",
       "with TLS on, also accept TLS on --port (told apart from cleartext HTTP by its first byte)", "on",
       OneOf(SLUICE_FIELD(http.tls_on_main_port), kOnOff)},
      {Section::kNetwork, "--tls-name", "NAME",
       "another DNS name or IP address for the --tls auto server certificate (repeatable)", "",
       [](const std::string& v, ParseState& st) {
         st.c->tls_names.push_back(v);
         return !v.empty();
       }},
      // Identity
      {Section::kIdentity, "--region", "NAME", "region used when a request's signature names none", "us-east-1",
       Text(SLUICE_FIELD(http.default_region))},
      {Section::kIdentity, "--account-id", "ID",
       "12-digit account for access keys that are not 12 digits; a 12-digit access key id is its own account",
       "000000000000",
       [](const std::string& v, ParseState& st) {
         if (v.size() != 12 || v.find_first_not_of("0123456789") != std::string::npos) return false;
         st.c->http.default_account_id = v;
         return true;
       }},
      {Section::kIdentity, "--auth", "structural|verify",
       "structural: require well-formed, current SigV4 but accept any key; verify: check signatures against "
       "--credentials-file and --credentials. A --host other than loopback (127.0.0.0/8, ::1, localhost) needs "
       "verify, or --insecure-accept-any-credentials",
       "structural on loopback, verify elsewhere",
       [](const std::string& v, ParseState& st) {
         if (v == "structural") st.c->http.auth_mode = http::AuthMode::kStructural;
         else if (v == "verify") st.c->http.auth_mode = http::AuthMode::kVerify;
         else return false;
         st.auth_explicit = true;
         return true;
       }},
      {Section::kIdentity, "--credentials-file", "FILE",
       "access keys for --auth verify in the AWS shared-credentials format (like ~/.aws/credentials: [profile] "
       "sections with aws_access_key_id and aws_secret_access_key; every profile is loaded) (repeatable)",
       "",
       [](const std::string& v, ParseState& st) {
         st.credentials_files.push_back(v);
         return !v.empty();
       }},
      {Section::kIdentity, "--credentials", "AKID:SECRET",
       "a key pair for --auth verify (repeatable; visible to every local user in the process list, so prefer "
       "--credentials-file)",
       "",
       [](const std::string& v, ParseState& st) {
         size_t colon = v.find(':');
         if (colon == std::string::npos || colon == 0 || colon + 1 == v.size()) return false;
         st.c->http.credentials[v.substr(0, colon)] = v.substr(colon + 1);
         return true;
       }},
      {Section::kIdentity, "--insecure-accept-any-credentials", "",
       "on a non-loopback --host, accept requests signed with any access key instead of verifying signatures: "
       "anyone who can reach the port can read, write and delete every stream. Logs a warning at start",
       "",
       [](const std::string&, ParseState& st) {
         st.insecure_any_credentials = true;
         return true;
       }},
      // Storage and streams
      {Section::kStorage, "--data-dir", "DIR", "where Sluice keeps its data", "./data", Text(SLUICE_FIELD(data_dir))},
      {Section::kStorage, "--alarm-action", "ARN=URL",
       "deliver CloudWatch alarm action ARN (e.g. an SNS topic) as an HTTP POST of an SNS-style notification to "
       "the http:// URL (repeatable)",
       "",
       [](const std::string& v, ParseState& st) {
         size_t eq = v.find('=');
         if (eq == std::string::npos || eq == 0 || !v.starts_with("arn:") || v.compare(eq + 1, 7, "http://") != 0)
           return false;
         st.c->alarm_actions[v.substr(0, eq)] = v.substr(eq + 1);
         return true;
       }},
      {Section::kStorage, "--storage", "disk|memory",
       "disk: streams and records survive restarts under --data-dir; memory: they are lost when the server exits",
       "disk", OneOf(SLUICE_FIELD(storage), kStorageKinds)},
      {Section::kStorage, "--durability", "sync|interval|none",
       "sync: acknowledge a put only after fdatasync has made it durable (one fdatasync covers every put waiting "
       "for it); interval: acknowledge once written, fdatasync every --sync-interval-ms; none: never fdatasync (a "
       "crash of the machine, not of Sluice, can lose acknowledged records)",
       "sync",
       [](const std::string& v, ParseState& st) {
         auto d = storage::ParseDurability(v);
         if (d) st.c->disk.durability = *d;
         return d.has_value();
       }},
      {Section::kStorage, "--sync-interval-ms", "N", "fdatasync period for --durability interval", "200",
       Uint(SLUICE_FIELD(disk.sync_interval_ms), 1, 3'600'000)},
      {Section::kStorage, "--segment-size", "SIZE",
       "a shard's segment file is sealed at this size; retention frees whole segments", "64M",
       Size(SLUICE_FIELD(disk.segment_bytes), uint64_t{1} << 20, uint64_t{1} << 40)},
      {Section::kStorage, "--segment-max-age-ms", "N", "... or when its oldest record is this old", "3600000",
       Uint(SLUICE_FIELD(disk.segment_max_age_ms), 1000, uint64_t{INT32_MAX} * 1000)},
      {Section::kStorage, "--direct-io", "on|off",
       "O_DIRECT segment writes where the filesystem allows, and reads of at least --direct-read-min bypassing the "
       "page cache",
       "on", OneOf(SLUICE_FIELD(disk.direct_io), kOnOff)},
      {Section::kStorage, "--direct-read-min", "SIZE", "smallest read that bypasses the page cache; 0 = none", "512K",
       Size(SLUICE_FIELD(disk.direct_read_min_bytes))},
      {Section::kStorage, "--read-ahead", "SIZE",
       "memory for reading ahead of consumers that catch up sequentially; 0 = off", "64M",
       Size(SLUICE_FIELD(disk.read_ahead_max_bytes))},
      {Section::kStorage, "--checkpoint-interval-ms", "N",
       "how often new records move from the shared journal into their shards' segment files (one syncfs for all "
       "shards); the journal is reclaimed after each move",
       "1000", Uint(SLUICE_FIELD(disk.checkpoint_interval_ms), 10, 3'600'000)},
      {Section::kStorage, "--checkpoint-size", "SIZE", "... or as soon as this much new data is waiting", "64M",
       Size(SLUICE_FIELD(disk.checkpoint_bytes), uint64_t{1} << 20, uint64_t{1} << 40)},
      {Section::kStorage, "--write-buffer", "SIZE",
       "memory for records not yet moved to segment files (reads of recent records are served from it); puts "
       "beyond it fail with ServiceUnavailable until a checkpoint frees space",
       "512M", Size(SLUICE_FIELD(disk.write_buffer_bytes), uint64_t{16} << 20, uint64_t{1} << 40)},
      {Section::kStorage, "--journal-file-size", "SIZE",
       "size of each shared journal file (recycled after checkpoints)", "64M",
       Size(SLUICE_FIELD(disk.journal_file_bytes), storage::kMinJournalFileBytes, uint64_t{1} << 36)},
      {Section::kStorage, "--max-open-files", "N",
       "segment files kept open for reads (least recently used are closed beyond it)", "1024",
       Uint(SLUICE_FIELD(disk.max_open_files), 16, 1'000'000)},
      {Section::kStorage, "--retention-check-ms", "N", "how often expired segments are deleted", "60000",
       Uint(SLUICE_FIELD(retention_check_ms), 10, 86'400'000)},
      {Section::kStorage, "--memory-limit", "SIZE",
       "--storage memory: cap on record bytes held in memory; puts beyond it fail with ServiceUnavailable", "unlimited",
       Size(SLUICE_FIELD(memory_limit_bytes))},
      {Section::kStorage, "--create-stream-delay-ms", "N", "time a new stream stays CREATING; AWS takes seconds", "0",
       Uint(SLUICE_FIELD(catalog.create_stream_delay_ms))},
      {Section::kStorage, "--delete-stream-delay-ms", "N", "time a deleted stream stays DELETING", "0",
       Uint(SLUICE_FIELD(catalog.delete_stream_delay_ms))},
      {Section::kStorage, "--update-stream-delay-ms", "N",
       "time a resharded stream stays UPDATING, resharding it meanwhile is ResourceInUse; AWS takes seconds to "
       "minutes",
       "0", Uint(SLUICE_FIELD(catalog.update_stream_delay_ms))},
      {Section::kStorage, "--consumer-activate-delay-ms", "N",
       "time a registered enhanced fan-out consumer stays CREATING; the KCL gives up after ~10 s", "1000",
       Uint(SLUICE_FIELD(catalog.consumer_activate_delay_ms), 0, 3'600'000)},
      {Section::kStorage, "--consumer-delete-delay-ms", "N", "time a deregistered consumer stays DELETING", "500",
       Uint(SLUICE_FIELD(catalog.consumer_delete_delay_ms), 0, 3'600'000)},
      {Section::kStorage, "--shard-limit", "N", "open provisioned shards per account and region", "500",
       Uint(SLUICE_FIELD(catalog.shard_limit))},
      {Section::kStorage, "--on-demand-stream-limit", "N", "on-demand streams per account and region", "50",
       Uint(SLUICE_FIELD(catalog.on_demand_stream_limit))},
      {Section::kStorage, "--on-demand-scaling", "on|off",
       "ON_DEMAND streams split hot shards (or double) under sustained load and merge back when idle, never below "
       "4 shards",
       "on", OneOf(SLUICE_FIELD(on_demand_scaling), kOnOff)},
      {Section::kStorage, "--on-demand-scaling-interval-ms", "N", "how often the scaler looks at write rates", "1000",
       Uint(SLUICE_FIELD(on_demand_scaling_interval_ms), 10, 86'400'000)},
      {Section::kStorage, "--on-demand-scale-up-after-ms", "N",
       "how long a shard (or the stream) must run at 80% of its write limit before it is split", "60000",
       Uint(SLUICE_FIELD(scaler.scale_up_after_ms))},
      {Section::kStorage, "--on-demand-scale-down-after-ms", "N",
       "how long a stream must use under 20% of its write capacity before its shards are merged pairwise", "3600000",
       Uint(SLUICE_FIELD(scaler.scale_down_after_ms))},
      // Enhanced fan-out
      {Section::kFanOut, "--subscription-heartbeat-ms", "N",
       "an idle subscription gets an empty event this often (clients reconnect after ~10 s of silence)", "5000",
       Uint(SLUICE_FIELD(fanout.heartbeat_ms), 100, 60'000)},
      {Section::kFanOut, "--subscription-lifetime-ms", "N",
       "a subscription ends normally after this; the client subscribes again from its last continuation", "300000",
       Uint(SLUICE_FIELD(fanout.lifetime_ms), 1000, 86'400'000)},
      {Section::kFanOut, "--fanout-tail-size", "SIZE",
       "newest records kept in memory per subscribed shard, read once and shared by all its subscribers", "4M",
       Size(SLUICE_FIELD(fanout.tail_bytes), uint64_t{64} << 10, uint64_t{1} << 32)},
      // Throughput limits
      {Section::kLimits, "--limits", "aws|off|custom",
       "aws: per shard 1 MiB/s and 1000 records/s written, 5 GetRecords/s and 2 MiB/s read, 5 GetShardIterator/s; "
       "control-plane TPS as AWS documents (DescribeStream 10/s per account, ...); off: no limits at all "
       "(self-hosted production); custom: AWS's values changed by the flags below or --limits-file (any of them "
       "implies custom)",
       "aws",
       [](const std::string& v, ParseState& st) {
         auto mode = FindNamed(kLimitsModes, v);
         if (!mode) return false;
         st.c->limits_mode = *mode;
         st.mode_explicit = true;
         return true;
       }},
      {Section::kLimits, "--control-plane-limits", "on|off",
       "control-plane TPS quotas (LimitExceededException); default on with --limits aws|custom, off with --limits "
       "off",
       "",
       [](const std::string& v, ParseState& st) {
         auto on = FindNamed(kOnOff, v);
         if (on) st.control_plane = *on;
         return on.has_value();
       }},
      {Section::kLimits, "--shard-write-bytes-per-sec", "SIZE", "bytes written per second per shard", "1M",
       Rate(SLUICE_FIELD(limits.shard_write_bytes_per_sec)), FlagKind::kLimitValue},
      {Section::kLimits, "--shard-write-records-per-sec", "N", "records written per second per shard", "1000",
       Rate(SLUICE_FIELD(limits.shard_write_records_per_sec)), FlagKind::kLimitValue},
      {Section::kLimits, "--shard-read-calls-per-sec", "N", "GetRecords calls per second per shard", "5",
       Rate(SLUICE_FIELD(limits.shard_read_calls_per_sec)), FlagKind::kLimitValue},
      {Section::kLimits, "--shard-read-bytes-per-sec", "SIZE", "bytes read per second per shard", "2M",
       Rate(SLUICE_FIELD(limits.shard_read_bytes_per_sec)), FlagKind::kLimitValue},
      {Section::kLimits, "--shard-iterator-calls-per-sec", "N", "GetShardIterator calls per second per shard", "5",
       Rate(SLUICE_FIELD(limits.shard_iterator_calls_per_sec)), FlagKind::kLimitValue},
      {Section::kLimits, "--limits-burst-seconds", "N", "every bucket holds N seconds of its rate", "1",
       Uint(SLUICE_FIELD(limits.burst_seconds), 1, 3600), FlagKind::kLimitValue},
      {Section::kLimits, "--consumers-per-stream", "N",
       "enhanced fan-out consumers registered per stream (none with --limits off)", "20",
       Uint(SLUICE_FIELD(catalog.max_consumers_per_stream), 1, 1'000'000), FlagKind::kLimitValue},
      {Section::kLimits, "--control-plane-rate", "ACTION=TPS",
       "e.g. DescribeStream=100 (repeatable; CreateStream, DeleteStream, DescribeStream, DescribeStreamSummary, "
       "ListStreams, ListShards, DescribeLimits, UpdateShardCount, SplitShard, MergeShards, RegisterStreamConsumer, "
       "DescribeStreamConsumer, ListStreamConsumers, DeregisterStreamConsumer)",
       "",
       [](const std::string& v, ParseState& st) {
         size_t eq = v.find('=');
         auto action = limits::ParseControlAction(v.substr(0, eq == std::string::npos ? 0 : eq));
         uint64_t tps;
         if (!action || !ParseU64(v.substr(eq + 1), &tps) || tps < 1 || tps > 1'000'000) return false;
         st.c->limits.control_tps[static_cast<size_t>(*action)] = tps;
         return true;
       },
       FlagKind::kLimitValue},
      {Section::kLimits, "--limits-file", "PATH",
       "key=value lines with the flag names above without \"--\" ('#' starts a comment)", "",
       [](const std::string& v, ParseState& st) {
         st.limits_files.push_back(v);
         return !v.empty();
       }},
      // Fault injection
      {Section::kFaults, "--inject-error-rate", "P",
       "each PutRecords entry, PutRecord, GetRecords and GetShardIterator fails with probability P (0..1): half "
       "ProvisionedThroughputExceeded, half InternalFailure",
       "",
       [](const std::string& v, ParseState& st) {
         char* end = nullptr;
         double p = std::strtod(v.c_str(), &end);
         if (v.empty() || *end != '\0' || !(p >= 0 && p <= 1)) return false;
         st.c->faults.error_rate = p;
         return true;
       }},
      {Section::kFaults, "--inject-latency-ms", "N", "delay every data-plane call by N ms", "",
       Uint(SLUICE_FIELD(faults.latency_ms), 0, 60'000)},
      // Observability: the access log and GET /metrics (Prometheus)
      {Section::kOther, "--access-log", "FILE|-",
       "one JSON line per API call (CloudTrail-like fields, never record data) appended to FILE, or to standard "
       "output with -; written off the request path, lines are dropped (and counted) if the writer falls behind",
       "off", Text(SLUICE_FIELD(access_log))},
      {Section::kOther, "--access-log-max-bytes", "SIZE",
       "rotate the access log before it grows past SIZE (FILE -> FILE.1 -> FILE.2 ...)", "100M",
       Size(SLUICE_FIELD(access_log_max_bytes), 4096)},
      {Section::kOther, "--access-log-max-files", "N", "rotated access log files kept (FILE.1 .. FILE.N)", "5",
       Uint(SLUICE_FIELD(access_log_max_files), 0, 1000)},
      {Section::kOther, "--prometheus-max-series", "N",
       "most API, stream and shard series on GET /metrics; the rest are counted in "
       "sluice_prometheus_series_dropped_total",
       "10000", Uint(SLUICE_FIELD(prometheus_max_series), 1, 10'000'000)},
      // Other
      {Section::kOther, "--log-level", "debug|info|warn|error", "least severe log lines written", "info",
       OneOf(SLUICE_FIELD(log_level), kLogLevels)},
      {Section::kOther, "--metrics", "on|off",
       "record the AWS/Kinesis metrics and per-operation metrics (kept in metrics.db under --data-dir); off records "
       "nothing and is meant only for measuring what metrics cost",
       "on", OneOf(SLUICE_FIELD(metrics), kOnOff)},
  };
  return kFlags;
}

#undef SLUICE_FIELD

const Flag* FindFlag(std::string_view name) {
  const auto& flags = Flags();
  auto it = std::find_if(flags.begin(), flags.end(), [&](const Flag& f) { return f.name == name; });
  return it == flags.end() ? nullptr : &*it;
}

// Help layout: flag and placeholder in a column, the description wrapped beside it.
constexpr size_t kHelpIndent = 31;
constexpr size_t kHelpWidth = 100;

void AppendFlagHelp(std::string* out, std::string_view left, std::string_view description) {
  out->append("  ").append(left);
  size_t col = 2 + left.size();
  if (col + 2 > kHelpIndent) {  // at least two spaces between the columns
    out->push_back('\n');
    col = 0;
  }
  out->append(kHelpIndent - col, ' ');
  col = kHelpIndent;
  size_t pos = 0;
  bool line_start = true;
  while (pos < description.size()) {
    size_t end = description.find(' ', pos);
    if (end == std::string_view::npos) end = description.size();
    std::string_view word = description.substr(pos, end - pos);
    if (!line_start && col + 1 + word.size() > kHelpWidth) {
      out->push_back('\n');
      out->append(kHelpIndent, ' ');
      col = kHelpIndent;
      line_start = true;
    }
    if (!line_start) {
      out->push_back(' ');
      ++col;
    }
    out->append(word);
    col += word.size();
    line_start = false;
    pos = end + 1;
  }
  out->push_back('\n');
}

// TLS from --tls / --tls-cert / --tls-key / --tls-port; an error text, or empty.
std::string ResolveTls(ParseState& st) {
  http::HttpServerOptions& h = st.c->http;
  if (h.tls_cert_file.empty() != h.tls_key_file.empty())
    return h.tls_cert_file.empty() ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key";
  if (st.c->tls_auto && !h.tls_cert_file.empty())
    return "--tls auto generates its own certificate: give either --tls auto or --tls-cert/--tls-key";
  bool tls = st.c->tls_auto || !h.tls_cert_file.empty();
  if (!tls) {
    if (st.tls_port_explicit && h.tls_port >= 0) return "--tls-port needs TLS: --tls auto or --tls-cert/--tls-key";
    h.tls_port = -1;
    return {};
  }
  if (!st.tls_port_explicit) h.tls_port = h.port == 0 ? 0 : kDefaultTlsPort;
  if (h.tls_port < 0 && !h.tls_on_main_port) return "--tls-port off and --tls-main-port off leave no port for TLS";
  if (h.tls_port > 0 && h.tls_port == h.port)
    return "--tls-port " + std::to_string(h.tls_port) + " is also --port: give the TLS-only listener its own port";
  return {};
}

// Signature checking. Loopback keeps the relaxed default (structural); any other address makes
// verify the default and requires credentials, unless --insecure-accept-any-credentials says
// otherwise. An error text, or empty.
std::string ResolveAuth(ParseState& st) {
  http::HttpServerOptions& h = st.c->http;
  for (const std::string& path : st.credentials_files) {
    auto keys = ReadCredentialsFile(path);
    if (!keys.ok()) return "--credentials-file " + keys.status().message();
    if (keys->empty())
      return "--credentials-file " + path + ": no profile has both aws_access_key_id and aws_secret_access_key";
    for (auto& [akid, secret] : *keys) h.credentials[akid] = secret;
  }
  const bool loopback = IsLoopbackHost(h.host);
  if (!loopback && !st.auth_explicit && !st.insecure_any_credentials) h.auth_mode = http::AuthMode::kVerify;
  if (!loopback && h.auth_mode == http::AuthMode::kStructural && !st.insecure_any_credentials)
    return "--auth structural on --host " + h.host +
           " would accept any access key from the network; add --insecure-accept-any-credentials to do that on "
           "purpose";
  if (h.auth_mode == http::AuthMode::kVerify && h.credentials.empty()) {
    if (loopback || st.auth_explicit)
      return "--auth verify needs credentials: --credentials-file FILE or --credentials AKID:SECRET";
    return "--host " + h.host +
           " is reachable from other machines, so request signatures are verified and sluice needs the access "
           "keys clients sign with: --credentials-file FILE (AWS shared-credentials format, e.g. ~/.aws/credentials) "
           "or --credentials AKID:SECRET. To accept any access key anyway, add --insecure-accept-any-credentials";
  }
  st.c->insecure_any_credentials = !loopback && h.auth_mode == http::AuthMode::kStructural;
  return {};
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  std::string text(host);
  unsigned char a[16];
  if (inet_pton(AF_INET, text.c_str(), a) == 1) return a[0] == 127;
  if (inet_pton(AF_INET6, text.c_str(), a) != 1) return false;
  static constexpr unsigned char kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(a, a + 16, kLoopback6)) return true;
  return std::equal(a, a + 12, kMappedPrefix) && a[12] == 127;
}

std::string_view StorageKindName(StorageKind kind) { return NameOf(kStorageKinds, kind); }
std::string_view LimitsModeName(LimitsMode mode) { return NameOf(kLimitsModes, mode); }

std::vector<std::string_view> ServeFlagNames() {
  std::vector<std::string_view> names;
  for (const Flag& f : Flags()) names.push_back(f.name);
  return names;
}

std::string ServeHelpText() {
  std::string text = R"(Usage: sluice serve [flags]

Serve the Amazon Kinesis Data Streams API (AWS JSON 1.1 over HTTP/1.1 and HTTP/2, cleartext or TLS).
Point any AWS client at it with an endpoint override, e.g.
  aws --endpoint-url http://127.0.0.1:4567 kinesis list-streams
With --tls auto, trust the generated certificate authority:
  aws --endpoint-url https://127.0.0.1:4568 --ca-bundle ./data/tls/ca.pem kinesis list-streams
  boto3.client("kinesis", endpoint_url="https://127.0.0.1:4568", verify="./data/tls/ca.pem")
  NODE_EXTRA_CA_CERTS=./data/tls/ca.pem node app.js   (JavaScript SDK v3)
On an address other than loopback, requests must be signed with a key from --credentials-file.
)";
  std::optional<Section> section;
  for (const Flag& f : Flags()) {
    if (f.section != section) {
      section = f.section;
      text.append("\n").append(kSectionTitles[static_cast<size_t>(f.section)]).append("\n");
    }
    std::string left(f.name);
    if (!f.value.empty()) left.append(" ").append(f.value);
    std::string description(f.help);
    if (!f.default_text.empty()) description.append(" (default ").append(f.default_text).append(")");
    AppendFlagHelp(&text, left, description);
  }
  AppendFlagHelp(&text, "-h, --help", "show this help");
  return text;
}

ParseOutcome ParseServeFlags(const std::vector<std::string>& args, ServerConfig* c) {
  ParseOutcome out;
  ParseState st(c);
  bool custom_values = false;
  auto fail = [&](std::string msg) {
    out.ok = false;
    out.error = std::move(msg);
    return out;
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
    const Flag* flag = FindFlag(name);
    if (!flag) return fail("unknown flag " + name + " (see sluice serve --help)");
    if (flag->value.empty()) {
      if (inline_value) return fail("flag " + name + " takes no value");
    } else if (!inline_value) {
      if (i + 1 >= args.size()) return fail("flag " + name + " needs a value");
      value = args[++i];
    }
    if (!flag->set(value, st)) return fail(std::string("invalid value '").append(value).append("' for ").append(name));
    custom_values |= flag->kind == FlagKind::kLimitValue;
  }
  for (const std::string& path : st.limits_files) {
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
      const Flag* flag = FindFlag(key);
      if (!flag || flag->kind != FlagKind::kLimitValue || !flag->set(value, st))
        return fail(std::string(path)
                        .append(":")
                        .append(std::to_string(n))
                        .append(": not a valid limit setting: ")
                        .append(line));
      custom_values = true;
    }
  }
  if (custom_values) {
    if (st.mode_explicit && c->limits_mode != LimitsMode::kCustom)
      return fail("limit values need --limits custom (they are ignored with --limits " +
                  std::string(LimitsModeName(c->limits_mode)) + ")");
    c->limits_mode = LimitsMode::kCustom;
  }
  c->limits.data_plane = c->limits_mode != LimitsMode::kOff;
  if (c->limits_mode == LimitsMode::kOff) c->catalog.max_consumers_per_stream = UINT32_MAX;
  c->limits.control_plane = st.control_plane.value_or(c->limits_mode != LimitsMode::kOff);
  if (std::string error = ResolveTls(st); !error.empty()) return fail(error);
  if (std::string error = ResolveAuth(st); !error.empty()) return fail(error);
  return out;
}

}  // namespace sluice::server
