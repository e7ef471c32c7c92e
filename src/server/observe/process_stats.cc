#include "server/observe/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace sluice::server::observe {

namespace {

bool ReadFile(const char* path, std::string* out) {
  FILE* f = std::fopen(path, "re");
  if (f == nullptr) return false;
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out->append(buf, n);
  std::fclose(f);
  return true;
}

// Boot time (Unix seconds) from /proc/stat's btime line.
double BootTimeSeconds() {
  std::string stat;
  if (!ReadFile("/proc/stat", &stat)) return 0;
  size_t pos = stat.find("\nbtime ");
  if (pos == std::string::npos) return 0;
  return std::strtod(stat.c_str() + pos + 7, nullptr);
}

double CountOpenFds() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n > 0 ? n - 1 : 0;  // the descriptor the iteration itself holds
}

}  // namespace

ProcessStats ReadProcessStats() {
  ProcessStats p;
  std::string stat;
  if (!ReadFile("/proc/self/stat", &stat)) return p;
  // Fields after the command name, which is in parentheses and may contain spaces.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return p;
  const char* s = stat.c_str() + close + 2;
  // Field 3 (state) is first here; utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
  std::vector<std::string_view> fields;
  std::string_view rest(s);
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    fields.push_back(rest.substr(0, sp));
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  if (fields.size() < 22) return p;
  auto field = [&](int n) { return std::strtod(std::string(fields[static_cast<size_t>(n - 3)]).c_str(), nullptr); };
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  p.cpu_seconds = (field(14) + field(15)) / ticks;
  p.start_time_seconds = BootTimeSeconds() + field(22) / ticks;
  p.virtual_bytes = field(23);
  p.resident_bytes = field(24) * page;
  p.open_fds = CountOpenFds();
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) p.max_fds = static_cast<double>(rl.rlim_cur);
  p.ok = true;
  return p;
}

}  // namespace sluice::server::observe
