# Two commands on a fresh Debian machine: `make run` and `make test`.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
HOST ?= 127.0.0.1
PORT ?= 4567
DATA ?= ./data

.PHONY: deps test-deps build run test unit integration asan clean bench fuzz

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/sluice serve --host $(HOST) --port $(PORT) --data-dir $(DATA)

unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit -j $(JOBS)

integration: build test-deps
	cd $(BUILD) && ctest --output-on-failure -L integration

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_SANITIZE=ON -DSLUICE_BENCH=OFF

# ASan+UBSan build of everything; runs the unit tests and every integration suite against it.
asan: test-deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

# Every suite; exits non-zero on any failure.
test: test-deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build test-deps
	scripts/run-bench.sh

fuzz:
	scripts/run-fuzz.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
