# Two commands on a fresh Debian machine: `make run` and `make test`.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
# CI passes WERROR=ON: every compiler warning in Sluice's code fails the build.
WERROR ?= OFF
# The sanitizer builds keep line tables only: reports still name function, file and line, and
# the heaviest files compile a third cheaper than with full debug information.
SAN_FLAGS = -DCMAKE_CXX_FLAGS_RELWITHDEBINFO='-O2 -gline-tables-only -DNDEBUG'
FUZZ_SECONDS ?= 10
HOST ?= 127.0.0.1
PORT ?= 4567
DATA ?= ./data

.PHONY: deps test-deps build run test unit integration asan asan-configure asan-build tsan tsan-build lint clean bench fuzz fuzz-smoke

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DSLUICE_WERROR=$(WERROR)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/sluice serve --host $(HOST) --port $(PORT) --data-dir $(DATA)

unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit -j $(JOBS)

integration: build test-deps
	cd $(BUILD) && ctest --output-on-failure -L integration

# One clang build serves ASan+UBSan and the fuzz targets: every object carries the sanitizers and
# libFuzzer's coverage instrumentation (-fsanitize=fuzzer-no-link, inert outside a fuzz target), so
# `make fuzz-smoke` links the fuzzers against the libraries `make asan` compiled. A tree configured
# otherwise (the gcc ASan tree of earlier versions) is replaced.
asan-configure:
	@grep -qs '^SLUICE_FUZZ:BOOL=ON$$' $(ASAN_BUILD)/CMakeCache.txt || { rm -rf $(ASAN_BUILD) && \
	  CC=clang CXX=clang++ cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_SANITIZE=ON \
	    -DSLUICE_FUZZ=ON -DSLUICE_BENCH=OFF -DSLUICE_WERROR=$(WERROR) $(SAN_FLAGS); }

asan-build: asan-configure
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# ASan+UBSan build of everything; runs the unit tests and the integration suites against it, except
# the differential suite (the same requests against the reference servers) and the AWS CLI suite:
# they drive the server paths the api suite already covers, and CI time is bounded.
asan: test-deps asan-build
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -E '^integration_py_(diff|cli)$$'

# ThreadSanitizer (clang, which also checks the thread-safety annotations with -Werror): every
# unit suite, among them the storage, catalog, limits and server suites that run threads.
$(TSAN_BUILD)/CMakeCache.txt:
	CC=clang CXX=clang++ cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_TSAN=ON \
	  -DSLUICE_WERROR=ON -DSLUICE_BENCH=OFF $(SAN_FLAGS)

tsan-build: $(TSAN_BUILD)/CMakeCache.txt
	cmake --build $(TSAN_BUILD) -j $(JOBS)

tsan: test-deps tsan-build
	cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest --output-on-failure -L unit -j $(JOBS)

# clang-format, module dependencies, project rules and clang-tidy (scripts/lint.sh).
lint: test-deps
	scripts/lint.sh

# Every suite; exits non-zero on any failure.
test: test-deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build test-deps
	scripts/run-bench.sh

fuzz:
	scripts/run-fuzz.sh

# Every fuzz target for FUZZ_SECONDS over its corpus (CI), built in the ASan tree.
fuzz-smoke: test-deps asan-configure
	BUILD_DIR=$(abspath $(ASAN_BUILD)) scripts/run-fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) build-fuzz build-lint
