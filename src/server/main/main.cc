// The `sluice` command: a thin front over the server and its configuration.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "base/log.h"
#include "server/main/server.h"
#include "server/main/server_config.h"
#include "tools/log_tool.h"

namespace {

constexpr const char* kUsage = R"(Usage: sluice <command> [flags]

Sluice is a self-hosted streaming data service that speaks the Amazon Kinesis Data Streams API.

Commands:
  serve      run the server (see: sluice serve --help)
  log        verify or dump the data directory's segment files offline (see: sluice log --help)
  version    print the version

Run 'make run' from the source tree to build and serve with defaults (127.0.0.1:4567, ./data).
)";

int Serve(const std::vector<std::string>& args) {
  sluice::server::ServerConfig config;
  auto parsed = sluice::server::ParseServeFlags(args, &config);
  if (parsed.help) {
    std::fputs(sluice::server::ServeHelpText().c_str(), stdout);
    return 0;
  }
  if (!parsed.ok) {
    std::fprintf(stderr, "sluice serve: %s\n", parsed.error.c_str());
    return 2;
  }
  sluice::log::SetLevel(config.log_level);
  // Block the signals before threads start so only sigwait below sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  sluice::server::Server server(config);
  sluice::Status st = server.Start();
  if (!st.ok()) {
    SLOG(kError, "server", "failed to start", {{"error", st.ToString()}});
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  SLOG(kInfo, "server", "shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  server.Stop();
  SLOG(kInfo, "server", "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "version" || args[0] == "--version") {
    std::puts("sluice 0.1.0");
    return 0;
  }
  if (args[0] == "serve") return Serve({args.begin() + 1, args.end()});
  if (args[0] == "log") {
    std::ios::sync_with_stdio(false);  // dump can print millions of lines
    return sluice::tools::RunLogCommand(sluice::DefaultFileSystem(), {args.begin() + 1, args.end()}, std::cout,
                                        std::cerr);
  }
  std::fprintf(stderr, "sluice: unknown command '%s'\n\n%s", args[0].c_str(), kUsage);
  return 2;
}
