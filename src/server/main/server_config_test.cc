#include "server/main/server_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sluice::server {
namespace {

using ::testing::HasSubstr;
using Args = std::vector<std::string>;

ParseOutcome Parse(const Args& args, ServerConfig* c) { return ParseServeFlags(args, c); }

ServerConfig ParseOk(const Args& args) {
  ServerConfig c;
  ParseOutcome out = Parse(args, &c);
  EXPECT_TRUE(out.ok) << ::testing::PrintToString(args) << ": " << out.error;
  EXPECT_FALSE(out.help);
  EXPECT_TRUE(out.error.empty());
  return c;
}

std::string ParseErr(const Args& args) {
  ServerConfig c;
  ParseOutcome out = Parse(args, &c);
  EXPECT_FALSE(out.ok) << ::testing::PrintToString(args) << " was accepted";
  EXPECT_FALSE(out.error.empty());
  return out.error;
}

TEST(ServerConfigTest, Defaults) {
  ServerConfig c = ParseOk({});
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_EQ(c.log_level, log::Level::kInfo);
  EXPECT_EQ(c.memory_limit_bytes, 0u);
  EXPECT_EQ(c.http.host, "127.0.0.1");
  EXPECT_EQ(c.http.port, 4567);
  EXPECT_EQ(c.http.io_threads, 0);
  EXPECT_EQ(c.http.max_connections, 10000u);
  EXPECT_EQ(c.http.max_body_bytes, 16u * 1024 * 1024);
  EXPECT_EQ(c.http.idle_timeout, std::chrono::milliseconds(120'000));
  EXPECT_EQ(c.http.header_read_timeout, std::chrono::milliseconds(10'000));
  EXPECT_EQ(c.http.default_region, "us-east-1");
  EXPECT_EQ(c.http.default_account_id, "000000000000");
  EXPECT_EQ(c.http.auth_mode, http::AuthMode::kStructural);
  EXPECT_TRUE(c.http.credentials.empty());
  EXPECT_EQ(c.catalog.create_stream_delay_ms, 0);
  EXPECT_EQ(c.catalog.delete_stream_delay_ms, 0);
  EXPECT_EQ(c.catalog.shard_limit, 500u);
  EXPECT_EQ(c.catalog.on_demand_stream_limit, 50u);
  EXPECT_EQ(c.api.iterator_ttl_ms, 300'000);
  EXPECT_EQ(c.api.next_token_ttl_ms, 300'000);
}

TEST(ServerConfigTest, EveryFlagSeparateValue) {
  ServerConfig c = ParseOk({"--host",
                            "0.0.0.0",
                            "--port",
                            "8080",
                            "--io-threads",
                            "4",
                            "--max-connections",
                            "123",
                            "--max-body-size",
                            "32M",
                            "--idle-timeout-ms",
                            "5000",
                            "--header-timeout-ms",
                            "700",
                            "--region",
                            "eu-west-1",
                            "--account-id",
                            "123456789012",
                            "--auth",
                            "verify",
                            "--credentials",
                            "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                            "--data-dir",
                            "/var/lib/sluice",
                            "--memory-limit",
                            "2G",
                            "--create-stream-delay-ms",
                            "1500",
                            "--delete-stream-delay-ms",
                            "2500",
                            "--shard-limit",
                            "1000",
                            "--on-demand-stream-limit",
                            "7",
                            "--log-level",
                            "debug"});
  EXPECT_EQ(c.http.host, "0.0.0.0");
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_EQ(c.http.io_threads, 4);
  EXPECT_EQ(c.http.max_connections, 123u);
  EXPECT_EQ(c.http.max_body_bytes, 32u * 1024 * 1024);
  EXPECT_EQ(c.http.idle_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(c.http.header_read_timeout, std::chrono::milliseconds(700));
  EXPECT_EQ(c.http.default_region, "eu-west-1");
  EXPECT_EQ(c.http.default_account_id, "123456789012");
  EXPECT_EQ(c.http.auth_mode, http::AuthMode::kVerify);
  ASSERT_EQ(c.http.credentials.size(), 1u);
  EXPECT_EQ(c.http.credentials.at("AKIDEXAMPLE"), "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  EXPECT_EQ(c.data_dir, "/var/lib/sluice");
  EXPECT_EQ(c.memory_limit_bytes, 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(c.catalog.create_stream_delay_ms, 1500);
  EXPECT_EQ(c.catalog.delete_stream_delay_ms, 2500);
  EXPECT_EQ(c.catalog.shard_limit, 1000u);
  EXPECT_EQ(c.catalog.on_demand_stream_limit, 7u);
  EXPECT_EQ(c.log_level, log::Level::kDebug);
}

TEST(ServerConfigTest, EveryFlagEqualsForm) {
  ServerConfig c =
      ParseOk({"--host=::1", "--port=0", "--io-threads=2", "--max-connections=5", "--max-body-size=1048576",
               "--idle-timeout-ms=1", "--header-timeout-ms=2", "--region=ap-south-1", "--account-id=000000000001",
               "--auth=structural", "--credentials=AK:secret=with=equals", "--data-dir=./d=1", "--memory-limit=512K",
               "--create-stream-delay-ms=3", "--delete-stream-delay-ms=4", "--shard-limit=9",
               "--on-demand-stream-limit=0", "--log-level=warn"});
  EXPECT_EQ(c.http.host, "::1");
  EXPECT_EQ(c.http.port, 0);
  EXPECT_EQ(c.http.io_threads, 2);
  EXPECT_EQ(c.http.max_connections, 5u);
  EXPECT_EQ(c.http.max_body_bytes, 1048576u);
  EXPECT_EQ(c.http.idle_timeout, std::chrono::milliseconds(1));
  EXPECT_EQ(c.http.header_read_timeout, std::chrono::milliseconds(2));
  EXPECT_EQ(c.http.default_region, "ap-south-1");
  EXPECT_EQ(c.http.default_account_id, "000000000001");
  EXPECT_EQ(c.http.auth_mode, http::AuthMode::kStructural);
  // Only the first '=' separates the flag from its value.
  EXPECT_EQ(c.http.credentials.at("AK"), "secret=with=equals");
  EXPECT_EQ(c.data_dir, "./d=1");
  EXPECT_EQ(c.memory_limit_bytes, 512u * 1024);
  EXPECT_EQ(c.catalog.create_stream_delay_ms, 3);
  EXPECT_EQ(c.catalog.delete_stream_delay_ms, 4);
  EXPECT_EQ(c.catalog.shard_limit, 9u);
  EXPECT_EQ(c.catalog.on_demand_stream_limit, 0u);
  EXPECT_EQ(c.log_level, log::Level::kWarn);
}

TEST(ServerConfigTest, SizeSuffixes) {
  EXPECT_EQ(ParseOk({"--max-body-size", "1024"}).http.max_body_bytes, 1024u);
  EXPECT_EQ(ParseOk({"--max-body-size", "1k"}).http.max_body_bytes, 1024u);
  EXPECT_EQ(ParseOk({"--max-body-size", "1K"}).http.max_body_bytes, 1024u);
  EXPECT_EQ(ParseOk({"--max-body-size", "16m"}).http.max_body_bytes, 16u * 1024 * 1024);
  EXPECT_EQ(ParseOk({"--max-body-size", "1g"}).http.max_body_bytes, 1024u * 1024 * 1024);
  EXPECT_EQ(ParseOk({"--memory-limit", "0"}).memory_limit_bytes, 0u);
  EXPECT_EQ(ParseOk({"--memory-limit", "100"}).memory_limit_bytes, 100u);
  EXPECT_EQ(ParseOk({"--memory-limit", "3M"}).memory_limit_bytes, 3u * 1024 * 1024);
}

TEST(ServerConfigTest, ReadPathFlags) {
  ServerConfig d = ParseOk({});
  EXPECT_EQ(d.disk.direct_read_min_bytes, 512u * 1024);
  EXPECT_EQ(d.disk.read_ahead_max_bytes, 64u * 1024 * 1024);
  ServerConfig c = ParseOk({"--direct-read-min", "1M", "--read-ahead", "0"});
  EXPECT_EQ(c.disk.direct_read_min_bytes, 1u << 20);
  EXPECT_EQ(c.disk.read_ahead_max_bytes, 0u);
  EXPECT_EQ(ParseOk({"--read-ahead=256M"}).disk.read_ahead_max_bytes, 256u << 20);
  EXPECT_THAT(ParseErr({"--read-ahead", "lots"}), HasSubstr("--read-ahead"));
  EXPECT_THAT(ParseErr({"--direct-read-min", "-1"}), HasSubstr("--direct-read-min"));
}

TEST(ServerConfigTest, LogLevels) {
  const std::pair<const char*, log::Level> kLevels[] = {{"debug", log::Level::kDebug},
                                                        {"info", log::Level::kInfo},
                                                        {"warn", log::Level::kWarn},
                                                        {"error", log::Level::kError}};
  for (const auto& [name, level] : kLevels) EXPECT_EQ(ParseOk({"--log-level", name}).log_level, level) << name;
}

TEST(ServerConfigTest, RepeatedFlags) {
  ServerConfig c =
      ParseOk({"--credentials", "A:1", "--credentials", "B:2", "--credentials", "A:3", "--port", "1", "--port", "2"});
  EXPECT_EQ(c.http.credentials.size(), 2u);
  EXPECT_EQ(c.http.credentials.at("A"), "3");
  EXPECT_EQ(c.http.credentials.at("B"), "2");
  EXPECT_EQ(c.http.port, 2);
  // A secret may itself contain ':' (only the first one separates).
  EXPECT_EQ(ParseOk({"--credentials", "AK:se:cret"}).http.credentials.at("AK"), "se:cret");
}

TEST(ServerConfigTest, Help) {
  for (const char* h : {"-h", "--help"}) {
    ServerConfig c;
    ParseOutcome out = Parse({h}, &c);
    EXPECT_TRUE(out.help) << h;
    EXPECT_TRUE(out.ok) << h;
    // Help wins wherever it appears, even after other flags or before bad ones.
    out = Parse({"--port", "1", h, "--nope"}, &c);
    EXPECT_TRUE(out.help) << h;
  }
  std::string text = ServeHelpText();
  for (const char* flag : {"--host",
                           "--port",
                           "--io-threads",
                           "--max-connections",
                           "--max-body-size",
                           "--idle-timeout-ms",
                           "--header-timeout-ms",
                           "--region",
                           "--account-id",
                           "--auth",
                           "--credentials",
                           "--data-dir",
                           "--memory-limit",
                           "--create-stream-delay-ms",
                           "--delete-stream-delay-ms",
                           "--shard-limit",
                           "--on-demand-stream-limit",
                           "--log-level",
                           "--limits",
                           "--control-plane-limits",
                           "--shard-write-bytes-per-sec",
                           "--shard-write-records-per-sec",
                           "--shard-read-calls-per-sec",
                           "--shard-read-bytes-per-sec",
                           "--shard-iterator-calls-per-sec",
                           "--limits-burst-seconds",
                           "--control-plane-rate",
                           "--limits-file",
                           "--inject-error-rate",
                           "--inject-latency-ms",
                           "--help"}) {
    EXPECT_THAT(text, HasSubstr(flag));
  }
}

// For every flag of the table: a value it accepts and one it rejects. A flag added to the table
// without values here fails EveryFlagIsDocumentedAndParses.
const std::map<std::string_view, std::pair<std::string, std::string>> kFlagValues = {
    {"--host", {"0.0.0.0", ""}},
    {"--port", {"8080", "65536"}},
    {"--io-threads", {"4", "-1"}},
    {"--max-connections", {"5", "x"}},
    {"--max-body-size", {"32M", "1023"}},
    {"--idle-timeout-ms", {"5000", "5s"}},
    {"--header-timeout-ms", {"700", "-1"}},
    {"--region", {"eu-west-1", ""}},
    {"--account-id", {"123456789012", "12345"}},
    {"--auth", {"structural", "none"}},
    {"--credentials", {"AK:secret", "nocolon"}},
    {"--data-dir", {"/var/lib/sluice", ""}},
    {"--alarm-action", {"arn:aws:sns:us-east-1:000000000000:ops=http://127.0.0.1:9000/hook", "arn:x=https://h/"}},
    {"--storage", {"memory", "tape"}},
    {"--durability", {"interval", "always"}},
    {"--sync-interval-ms", {"50", "0"}},
    {"--segment-size", {"8M", "1K"}},
    {"--segment-max-age-ms", {"60000", "999"}},
    {"--direct-io", {"off", "yes"}},
    {"--direct-read-min", {"1M", "lots"}},
    {"--read-ahead", {"0", "-1"}},
    {"--checkpoint-interval-ms", {"500", "5"}},
    {"--checkpoint-size", {"128M", "1K"}},
    {"--write-buffer", {"1G", "1M"}},
    {"--journal-file-size", {"128M", "1M"}},
    {"--max-open-files", {"4096", "3"}},
    {"--retention-check-ms", {"1000", "9"}},
    {"--memory-limit", {"1G", "5T"}},
    {"--create-stream-delay-ms", {"10", "soon"}},
    {"--delete-stream-delay-ms", {"10", "-1"}},
    {"--update-stream-delay-ms", {"10", "x"}},
    {"--consumer-activate-delay-ms", {"0", "-1"}},
    {"--consumer-delete-delay-ms", {"100", "x"}},
    {"--shard-limit", {"9", "4294967296"}},
    {"--subscription-heartbeat-ms", {"1000", "99"}},
    {"--subscription-lifetime-ms", {"60000", "999"}},
    {"--fanout-tail-size", {"8M", "1K"}},
    {"--on-demand-stream-limit", {"3", "1e3"}},
    {"--on-demand-scaling", {"off", "maybe"}},
    {"--on-demand-scaling-interval-ms", {"500", "9"}},
    {"--on-demand-scale-up-after-ms", {"1000", "-1"}},
    {"--on-demand-scale-down-after-ms", {"1000", "x"}},
    {"--limits", {"off", "sometimes"}},
    {"--control-plane-limits", {"off", "maybe"}},
    {"--shard-write-bytes-per-sec", {"2M", "0"}},
    {"--shard-write-records-per-sec", {"50", "0"}},
    {"--shard-read-calls-per-sec", {"7", "x"}},
    {"--shard-read-bytes-per-sec", {"100K", ""}},
    {"--shard-iterator-calls-per-sec", {"9", "0"}},
    {"--limits-burst-seconds", {"3", "0"}},
    {"--consumers-per-stream", {"50", "0"}},
    {"--control-plane-rate", {"DescribeStream=100", "Nope=1"}},
    {"--limits-file", {"/dev/null", ""}},
    {"--inject-error-rate", {"0.5", "1.5"}},
    {"--inject-latency-ms", {"10", "60001"}},
    {"--access-log", {"-", ""}},
    {"--access-log-max-bytes", {"1M", "1K"}},
    {"--access-log-max-files", {"3", "1001"}},
    {"--prometheus-max-series", {"500", "0"}},
    {"--metrics", {"off", "maybe"}},
    {"--log-level", {"warn", "trace"}},
    {"--tls", {"auto", "on"}},
    {"--tls-cert", {"cert.pem", ""}},
    {"--tls-key", {"key.pem", ""}},
    {"--tls-port", {"8443", "65536"}},
    {"--tls-main-port", {"off", "no"}},
    {"--tls-name", {"kinesis.internal", ""}},
    {"--credentials-file", {"(written by the test)", ""}},
};

// Flags whose good value needs others beside it to make a valid command line.
const std::map<std::string_view, Args> kFlagCompanions = {
    {"--host", {"--insecure-accept-any-credentials"}},
    {"--tls-cert", {"--tls-key", "key.pem"}},
    {"--tls-key", {"--tls-cert", "cert.pem"}},
    {"--tls-port", {"--tls", "auto"}},
};

// Switches: no value.
const std::set<std::string_view> kSwitches = {"--insecure-accept-any-credentials"};

// A temporary file holding `text`, removed when the object goes.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    path_ = (std::filesystem::temp_directory_path() / "sluice-config-XXXXXX").string();
    int fd = ::mkstemp(path_.data());
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr const char* kCredentialsText =
    "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n"
    "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = other-secret\n";

TEST(ServerConfigTest, EveryFlagIsDocumentedAndParses) {
  const std::string text = ServeHelpText();
  const std::vector<std::string_view> names = ServeFlagNames();
  EXPECT_EQ(names.size(), kFlagValues.size() + kSwitches.size()) << "kFlagValues lists a flag the parser does not have";
  TempFile credentials(kCredentialsText);
  for (std::string_view name_view : names) {
    const std::string name(name_view);
    if (kSwitches.count(name_view) > 0) {
      EXPECT_THAT(text, HasSubstr("\n  " + name + "\n")) << name;
      ParseOk({name});
      EXPECT_EQ(ParseErr({name + "=on"}), "flag " + name + " takes no value");
      continue;
    }
    // In --help at the start of a line, followed by its value placeholder.
    EXPECT_THAT(text, HasSubstr("\n  " + name + " ")) << name;
    auto it = kFlagValues.find(name_view);
    ASSERT_NE(it, kFlagValues.end()) << name << " needs a good and a bad value in kFlagValues";
    auto [good, bad] = it->second;
    if (name == "--credentials-file") good = credentials.path();
    Args with_value = {name, good};
    Args with_equals = {std::string(name).append("=").append(good)};
    if (auto c = kFlagCompanions.find(name_view); c != kFlagCompanions.end()) {
      with_value.insert(with_value.end(), c->second.begin(), c->second.end());
      with_equals.insert(with_equals.end(), c->second.begin(), c->second.end());
    }
    ParseOk(with_value);
    ParseOk(with_equals);
    EXPECT_EQ(ParseErr({name, bad}), std::string("invalid value '").append(bad).append("' for ").append(name));
    EXPECT_EQ(ParseErr({name}), std::string("flag ").append(name).append(" needs a value"));
  }
  EXPECT_THAT(text, HasSubstr("\n  -h, --help "));
}

TEST(ServerConfigTest, StorageAndDurabilityAreTyped) {
  ServerConfig d = ParseOk({});
  EXPECT_EQ(d.storage, StorageKind::kDisk);
  EXPECT_EQ(d.disk.durability, storage::Durability::kSync);
  EXPECT_EQ(ParseOk({"--storage", "memory"}).storage, StorageKind::kMemory);
  EXPECT_EQ(ParseOk({"--storage=disk"}).storage, StorageKind::kDisk);
  EXPECT_EQ(ParseOk({"--durability", "interval"}).disk.durability, storage::Durability::kInterval);
  EXPECT_EQ(ParseOk({"--durability", "none"}).disk.durability, storage::Durability::kNone);
  EXPECT_EQ(ParseErr({"--storage", "Memory"}), "invalid value 'Memory' for --storage");
  EXPECT_EQ(ParseErr({"--durability", "SYNC"}), "invalid value 'SYNC' for --durability");
  EXPECT_EQ(StorageKindName(StorageKind::kMemory), "memory");
  EXPECT_EQ(LimitsModeName(LimitsMode::kCustom), "custom");
  EXPECT_EQ(ParseErr({"--limits", "off", "--shard-read-calls-per-sec", "1"}),
            "limit values need --limits custom (they are ignored with --limits off)");
}

TEST(ServerConfigTest, AlarmActionsMapArnsToWebhooks) {
  ServerConfig c = ParseOk({"--alarm-action", "arn:aws:sns:us-east-1:000000000000:a=http://127.0.0.1:1/x",
                            "--alarm-action=arn:aws:sns:us-east-1:000000000000:b=http://h:2/"});
  EXPECT_EQ(c.alarm_actions.size(), 2u);
  EXPECT_EQ(c.alarm_actions["arn:aws:sns:us-east-1:000000000000:a"], "http://127.0.0.1:1/x");
  EXPECT_EQ(c.alarm_actions["arn:aws:sns:us-east-1:000000000000:b"], "http://h:2/");
  EXPECT_TRUE(ParseOk({}).alarm_actions.empty());
}

TEST(ServerConfigTest, ObservabilityFlags) {
  ServerConfig d = ParseOk({});
  EXPECT_EQ(d.access_log, "");  // off
  EXPECT_EQ(d.access_log_max_bytes, 100u * 1024 * 1024);
  EXPECT_EQ(d.access_log_max_files, 5u);
  EXPECT_EQ(d.prometheus_max_series, 10000u);
  ServerConfig c = ParseOk({"--access-log", "/tmp/a.log", "--access-log-max-bytes", "8M", "--access-log-max-files", "0",
                            "--prometheus-max-series", "20"});
  EXPECT_EQ(c.access_log, "/tmp/a.log");
  EXPECT_EQ(c.access_log_max_bytes, 8u * 1024 * 1024);
  EXPECT_EQ(c.access_log_max_files, 0u);
  EXPECT_EQ(c.prometheus_max_series, 20u);
}

TEST(ServerConfigTest, UnknownFlag) {
  EXPECT_THAT(ParseErr({"--nope"}), HasSubstr("unknown flag --nope"));
  EXPECT_THAT(ParseErr({"--nope=3"}), HasSubstr("unknown flag --nope"));
  EXPECT_THAT(ParseErr({"--port", "1", "--Port", "2"}), HasSubstr("unknown flag --Port"));
  EXPECT_THAT(ParseErr({"-p", "1"}), HasSubstr("unknown flag -p"));
  EXPECT_THAT(ParseErr({"serve"}), HasSubstr("unknown flag serve"));
  EXPECT_THAT(ParseErr({""}), HasSubstr("unknown flag"));
}

TEST(ServerConfigTest, MissingValue) {
  EXPECT_EQ(ParseErr({"--port"}), "flag --port needs a value");
  EXPECT_EQ(ParseErr({"--host", "h", "--data-dir"}), "flag --data-dir needs a value");
}

TEST(ServerConfigTest, BadValues) {
  const std::vector<Args> kBad = {
      {"--port", "65536"},
      {"--port", "-1"},
      {"--port", "abc"},
      {"--port", "80x"},
      {"--port", " 80"},
      {"--port", "1.5"},
      {"--port="},
      {"--io-threads", "-1"},
      {"--io-threads", "four"},
      {"--max-connections", ""},
      {"--max-body-size", "1023"},
      {"--max-body-size", "0"},
      {"--max-body-size", "10X"},
      {"--max-body-size", "M"},
      {"--max-body-size", ""},
      {"--max-body-size", "1.5M"},
      {"--max-body-size", "-16M"},
      {"--idle-timeout-ms", "-5"},
      {"--idle-timeout-ms", "5s"},
      {"--header-timeout-ms", ""},
      {"--region", ""},
      {"--host", ""},
      {"--host="},
      {"--data-dir", ""},
      {"--account-id", "12345"},
      {"--account-id", "1234567890123"},
      {"--account-id", "12345678901a"},
      {"--account-id", ""},
      {"--auth", "none"},
      {"--auth", "VERIFY"},
      {"--auth", ""},
      {"--credentials", "nocolon"},
      {"--credentials", ":secret"},
      {"--credentials", "akid:"},
      {"--credentials", ""},
      {"--memory-limit", "5T"},
      {"--memory-limit", "lots"},
      {"--create-stream-delay-ms", "-1"},
      {"--delete-stream-delay-ms", "soon"},
      {"--shard-limit", "x"},
      {"--shard-limit", "-5"},
      {"--on-demand-stream-limit", "1e3"},
      {"--log-level", "trace"},
      {"--log-level", "INFO"},
      {"--log-level", ""},
  };
  for (const auto& args : kBad) {
    std::string err = ParseErr(args);
    std::string name = args[0].substr(0, args[0].find('='));
    EXPECT_THAT(err, HasSubstr("for " + name)) << ::testing::PrintToString(args);
    EXPECT_THAT(err, HasSubstr("invalid value")) << ::testing::PrintToString(args);
  }
  EXPECT_EQ(ParseErr({"--port", "99999"}), "invalid value '99999' for --port");
  EXPECT_EQ(ParseErr({"--log-level=loud"}), "invalid value 'loud' for --log-level");
}

TEST(ServerConfigTest, NumbersThatDoNotFitTheirFieldAreRejected) {
  // Values are parsed as 64-bit and then stored in narrower fields; anything that does not
  // fit must be an error rather than silently wrapping (e.g. a shard limit of 0).
  const std::vector<Args> kOverflow = {
      {"--shard-limit", "4294967296"},                       // uint32_t field: would become 0
      {"--on-demand-stream-limit", "4294967297"},            // would become 1
      {"--io-threads", "4294967297"},                        // int field: would become 1
      {"--io-threads", "3000000000"},                        // would become negative
      {"--create-stream-delay-ms", "18446744073709551615"},  // int64_t field: would become -1
      {"--delete-stream-delay-ms", "9223372036854775808"},
      {"--max-body-size", "17179869184G"},  // 2^34 GiB overflows 64 bits
      {"--memory-limit", "18446744073709551615K"},
      {"--port", "18446744073709551616"},  // beyond uint64
  };
  for (const auto& args : kOverflow) ParseErr(args);
}

TEST(ServerConfigTest, AuthVerifyNeedsCredentials) {
  const std::string kNeeds = "--auth verify needs credentials: --credentials-file FILE or --credentials AKID:SECRET";
  EXPECT_EQ(ParseErr({"--auth", "verify"}), kNeeds);
  EXPECT_EQ(ParseErr({"--auth=verify", "--region", "us-west-2"}), kNeeds);
  EXPECT_EQ(ParseErr({"--host", "10.0.0.1", "--auth", "verify", "--insecure-accept-any-credentials"}), kNeeds);
  // Order does not matter.
  EXPECT_EQ(ParseOk({"--credentials", "A:B", "--auth", "verify"}).http.auth_mode, http::AuthMode::kVerify);
  EXPECT_EQ(ParseOk({"--auth", "verify", "--credentials", "A:B"}).http.auth_mode, http::AuthMode::kVerify);
  // Structural mode does not need them (but accepts them).
  EXPECT_EQ(ParseOk({"--auth", "structural"}).http.auth_mode, http::AuthMode::kStructural);
  EXPECT_EQ(ParseOk({"--auth", "structural", "--credentials", "A:B"}).http.credentials.size(), 1u);
  // The last --auth wins.
  EXPECT_EQ(ParseOk({"--auth", "verify", "--auth", "structural"}).http.auth_mode, http::AuthMode::kStructural);
}

TEST(ServerConfigTest, LimitsModes) {
  ServerConfig d = ParseOk({});
  EXPECT_EQ(d.limits_mode, LimitsMode::kAws);
  EXPECT_TRUE(d.limits.data_plane);
  EXPECT_TRUE(d.limits.control_plane);
  EXPECT_EQ(d.limits.shard_write_bytes_per_sec, 1024u * 1024);
  EXPECT_EQ(d.limits.tps(limits::ControlAction::kDescribeStream), 10u);
  EXPECT_FALSE(d.faults.enabled());
  ServerConfig off = ParseOk({"--limits", "off"});
  EXPECT_FALSE(off.limits.data_plane);
  EXPECT_FALSE(off.limits.control_plane);
  ServerConfig off_cp = ParseOk({"--limits", "off", "--control-plane-limits", "on"});
  EXPECT_FALSE(off_cp.limits.data_plane);
  EXPECT_TRUE(off_cp.limits.control_plane);
  EXPECT_FALSE(ParseOk({"--control-plane-limits", "off"}).limits.control_plane);
  EXPECT_THAT(ParseErr({"--limits", "sometimes"}), HasSubstr("--limits"));
}

TEST(ServerConfigTest, CustomLimitValuesImplyCustom) {
  ServerConfig c = ParseOk({"--shard-write-bytes-per-sec", "2M", "--shard-write-records-per-sec", "50",
                            "--shard-read-calls-per-sec=7", "--shard-read-bytes-per-sec", "100K",
                            "--shard-iterator-calls-per-sec", "9", "--limits-burst-seconds", "3",
                            "--control-plane-rate", "DescribeStream=100", "--control-plane-rate", "ListShards=7"});
  EXPECT_EQ(c.limits_mode, LimitsMode::kCustom);
  EXPECT_TRUE(c.limits.data_plane);
  EXPECT_EQ(c.limits.shard_write_bytes_per_sec, 2u * 1024 * 1024);
  EXPECT_EQ(c.limits.shard_write_records_per_sec, 50u);
  EXPECT_EQ(c.limits.shard_read_calls_per_sec, 7u);
  EXPECT_EQ(c.limits.shard_read_bytes_per_sec, 100u * 1024);
  EXPECT_EQ(c.limits.shard_iterator_calls_per_sec, 9u);
  EXPECT_EQ(c.limits.burst_seconds, 3u);
  EXPECT_EQ(c.limits.tps(limits::ControlAction::kDescribeStream), 100u);
  EXPECT_EQ(c.limits.tps(limits::ControlAction::kListShards), 7u);
  EXPECT_EQ(ParseOk({"--limits", "custom", "--shard-read-calls-per-sec", "1"}).limits_mode, LimitsMode::kCustom);
  EXPECT_THAT(ParseErr({"--limits", "off", "--shard-read-calls-per-sec", "1"}), HasSubstr("--limits custom"));
  EXPECT_THAT(ParseErr({"--shard-read-calls-per-sec", "1", "--limits", "aws"}), HasSubstr("--limits custom"));
  for (const char* bad : {"0", "x", ""}) ParseErr({"--shard-write-records-per-sec", bad});
  for (const char* bad : {"Nope=1", "DescribeStream", "DescribeStream=0", "=5"})
    ParseErr({"--control-plane-rate", bad});
}

TEST(ServerConfigTest, LimitsFile) {
  std::string path = ::testing::TempDir() + "/sluice-limits-test.conf";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("# comment\n\nshard-write-records-per-sec = 20\n  control-plane-rate=DescribeLimits=3  # x\n", f);
    std::fclose(f);
  }
  ServerConfig c = ParseOk({"--limits-file", path});
  EXPECT_EQ(c.limits_mode, LimitsMode::kCustom);
  EXPECT_EQ(c.limits.shard_write_records_per_sec, 20u);
  EXPECT_EQ(c.limits.tps(limits::ControlAction::kDescribeLimits), 3u);
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("port=1\n", f);  // only limit settings belong there
    std::fclose(f);
  }
  EXPECT_THAT(ParseErr({"--limits-file", path}), HasSubstr(":1:"));
  EXPECT_THAT(ParseErr({"--limits-file", path + ".missing"}), HasSubstr("cannot read"));
  std::remove(path.c_str());
}

TEST(ServerConfigTest, ConsumerFlags) {
  ServerConfig d = ParseOk({});
  EXPECT_EQ(d.catalog.consumer_activate_delay_ms, 1000);
  EXPECT_EQ(d.catalog.consumer_delete_delay_ms, 500);
  EXPECT_EQ(d.catalog.max_consumers_per_stream, 20u);
  ServerConfig c = ParseOk({"--consumer-activate-delay-ms", "0", "--consumer-delete-delay-ms=2500"});
  EXPECT_EQ(c.catalog.consumer_activate_delay_ms, 0);
  EXPECT_EQ(c.catalog.consumer_delete_delay_ms, 2500);
  EXPECT_EQ(c.limits_mode, LimitsMode::kAws);  // delays are not limits
  for (const char* bad : {"-1", "x", "3600001"}) ParseErr({"--consumer-activate-delay-ms", bad});
  // The consumers-per-stream quota is a limit: it implies custom, and --limits off lifts it.
  ServerConfig custom = ParseOk({"--consumers-per-stream", "50"});
  EXPECT_EQ(custom.limits_mode, LimitsMode::kCustom);
  EXPECT_EQ(custom.catalog.max_consumers_per_stream, 50u);
  EXPECT_THAT(ParseErr({"--limits", "aws", "--consumers-per-stream", "50"}), HasSubstr("--limits custom"));
  ParseErr({"--consumers-per-stream", "0"});
  EXPECT_EQ(ParseOk({"--limits", "off"}).catalog.max_consumers_per_stream, UINT32_MAX);
  ServerConfig rate = ParseOk({"--control-plane-rate", "DescribeStreamConsumer=40"});
  EXPECT_EQ(rate.limits.tps(limits::ControlAction::kDescribeStreamConsumer), 40u);
  EXPECT_EQ(d.limits.tps(limits::ControlAction::kRegisterStreamConsumer), 5u);
  EXPECT_THAT(ServeHelpText(), HasSubstr("--consumer-activate-delay-ms N"));
  EXPECT_THAT(ServeHelpText(), HasSubstr("--consumers-per-stream N"));
}

TEST(ServerConfigTest, LoopbackHosts) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"})
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "192.168.1.1", "fe80::1", "::ffff:10.0.0.1", "::2",
                           "example.com", "localhost.example", ""})
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
}

TEST(ServerConfigTest, NonLoopbackHostVerifiesSignaturesAndNeedsCredentials) {
  // Loopback keeps the relaxed default.
  EXPECT_EQ(ParseOk({"--host", "::1"}).http.auth_mode, http::AuthMode::kStructural);
  EXPECT_FALSE(ParseOk({"--host", "localhost"}).insecure_any_credentials);
  // Anywhere else: no credentials, no start; the message says what to do.
  for (const char* host : {"0.0.0.0", "::", "192.168.1.20"}) {
    std::string error = ParseErr({"--host", host});
    EXPECT_THAT(error, HasSubstr(std::string("--host ") + host + " is reachable from other machines")) << error;
    EXPECT_THAT(error, HasSubstr("--credentials-file FILE"));
    EXPECT_THAT(error, HasSubstr("--insecure-accept-any-credentials"));
  }
  // With credentials, verify is the default.
  ServerConfig c = ParseOk({"--host", "0.0.0.0", "--credentials", "AK:secret"});
  EXPECT_EQ(c.http.auth_mode, http::AuthMode::kVerify);
  EXPECT_FALSE(c.insecure_any_credentials);
  // Asking for structural explicitly is not enough...
  EXPECT_EQ(ParseErr({"--host", "0.0.0.0", "--auth", "structural"}),
            "--auth structural on --host 0.0.0.0 would accept any access key from the network; add "
            "--insecure-accept-any-credentials to do that on purpose");
  EXPECT_THAT(ParseErr({"--host", "0.0.0.0", "--auth", "structural", "--credentials", "AK:s"}),
              HasSubstr("--insecure-accept-any-credentials"));
  // ... the loudly named switch is.
  for (const Args& args : {Args{"--host", "0.0.0.0", "--insecure-accept-any-credentials"},
                           Args{"--insecure-accept-any-credentials", "--host", "10.1.1.1", "--auth", "structural"},
                           Args{"--host", "0.0.0.0", "--insecure-accept-any-credentials", "--credentials", "A:B"}}) {
    ServerConfig insecure = ParseOk(args);
    EXPECT_EQ(insecure.http.auth_mode, http::AuthMode::kStructural);
    EXPECT_TRUE(insecure.insecure_any_credentials);
  }
  // The switch does not weaken an explicit --auth verify.
  ServerConfig v =
      ParseOk({"--host", "0.0.0.0", "--insecure-accept-any-credentials", "--auth", "verify", "--credentials", "A:B"});
  EXPECT_EQ(v.http.auth_mode, http::AuthMode::kVerify);
  EXPECT_FALSE(v.insecure_any_credentials);
  // On loopback the switch changes nothing.
  EXPECT_FALSE(ParseOk({"--insecure-accept-any-credentials"}).insecure_any_credentials);
}

TEST(ServerConfigTest, CredentialsFile) {
  TempFile file(kCredentialsText);
  ServerConfig c = ParseOk({"--host", "0.0.0.0", "--credentials-file", file.path()});
  EXPECT_EQ(c.http.auth_mode, http::AuthMode::kVerify);
  EXPECT_EQ(c.http.credentials,
            (std::map<std::string, std::string>{{"AKIDFILE", "file-secret"}, {"AKIDOTHER", "other-secret"}}));
  // Together with --credentials, and repeated.
  TempFile second("[x]\naws_access_key_id = AKIDX\naws_secret_access_key = x\n");
  ServerConfig both = ParseOk({"--credentials-file", file.path(), "--credentials", "AK:s", "--auth", "verify",
                               "--credentials-file=" + second.path()});
  EXPECT_EQ(both.http.credentials.size(), 4u);
  EXPECT_EQ(both.http.credentials.at("AKIDX"), "x");
  // Errors name the file (and the line).
  EXPECT_EQ(ParseErr({"--credentials-file", "/nonexistent/creds"}),
            "--credentials-file cannot read /nonexistent/creds");
  TempFile broken("[a]\naws_access_key_id = AK\n");
  EXPECT_EQ(ParseErr({"--credentials-file", broken.path()}),
            "--credentials-file " + broken.path() +
                ": line 1: profile [a] has aws_access_key_id but no aws_secret_access_key");
  TempFile empty("# nothing\n[role]\nrole_arn = x\n");
  EXPECT_EQ(ParseErr({"--credentials-file", empty.path()}),
            "--credentials-file " + empty.path() + ": no profile has both aws_access_key_id and aws_secret_access_key");
}

TEST(ServerConfigTest, TlsFlags) {
  ServerConfig off = ParseOk({});
  EXPECT_FALSE(off.tls_auto);
  EXPECT_TRUE(off.http.tls_cert_file.empty());
  EXPECT_EQ(off.http.tls_port, -1);

  ServerConfig automatic = ParseOk({"--tls", "auto", "--tls-name", "a.example", "--tls-name", "10.0.0.9"});
  EXPECT_TRUE(automatic.tls_auto);
  EXPECT_EQ(automatic.http.tls_port, kDefaultTlsPort);
  EXPECT_TRUE(automatic.http.tls_on_main_port);
  EXPECT_EQ(automatic.tls_names, (std::vector<std::string>{"a.example", "10.0.0.9"}));
  // An ephemeral main port gets an ephemeral TLS port (tests run many servers).
  EXPECT_EQ(ParseOk({"--tls", "auto", "--port", "0"}).http.tls_port, 0);

  ServerConfig files = ParseOk({"--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-port", "off"});
  EXPECT_EQ(files.http.tls_cert_file, "c.pem");
  EXPECT_EQ(files.http.tls_key_file, "k.pem");
  EXPECT_EQ(files.http.tls_port, -1);
  EXPECT_EQ(ParseOk({"--tls", "auto", "--tls-port", "0", "--tls-main-port", "off"}).http.tls_port, 0);
  EXPECT_FALSE(ParseOk({"--tls", "auto", "--tls-main-port", "off"}).http.tls_on_main_port);

  EXPECT_EQ(ParseErr({"--tls-cert", "c.pem"}), "--tls-cert needs --tls-key");
  EXPECT_EQ(ParseErr({"--tls-key", "k.pem"}), "--tls-key needs --tls-cert");
  EXPECT_EQ(ParseErr({"--tls", "auto", "--tls-cert", "c.pem", "--tls-key", "k.pem"}),
            "--tls auto generates its own certificate: give either --tls auto or --tls-cert/--tls-key");
  EXPECT_EQ(ParseErr({"--tls-port", "8443"}), "--tls-port needs TLS: --tls auto or --tls-cert/--tls-key");
  EXPECT_EQ(ParseErr({"--tls", "auto", "--tls-port", "off", "--tls-main-port", "off"}),
            "--tls-port off and --tls-main-port off leave no port for TLS");
  EXPECT_EQ(ParseErr({"--tls", "auto", "--port", "4568"}),
            "--tls-port 4568 is also --port: give the TLS-only listener its own port");
  // --tls off undoes an earlier --tls auto; --tls-port off is fine without TLS.
  EXPECT_FALSE(ParseOk({"--tls", "auto", "--tls", "off"}).tls_auto);
  EXPECT_EQ(ParseOk({"--tls-port", "off"}).http.tls_port, -1);
}

TEST(ServerConfigTest, FaultInjection) {
  ServerConfig c = ParseOk({"--inject-error-rate", "0.25", "--inject-latency-ms", "40"});
  EXPECT_DOUBLE_EQ(c.faults.error_rate, 0.25);
  EXPECT_EQ(c.faults.latency_ms, 40);
  EXPECT_EQ(c.limits_mode, LimitsMode::kAws);
  for (const char* bad : {"-0.1", "1.5", "x", "nan"}) ParseErr({"--inject-error-rate", bad});
  ParseErr({"--inject-latency-ms", "-1"});
}

}  // namespace
}  // namespace sluice::server
