# redes — the front door.  The real build is CMake; this file wraps it.
#   make demo    train LeNet-5 on MNIST and write the pictures (the main job)
#   make test    build and run every test
#   make asan    the tests again under AddressSanitizer + UBSan
#   make bench   benchmarks side by side with PyTorch / Brian2
#   make install PREFIX=/usr/local
SHELL := /bin/bash
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
export OMP_WAIT_POLICY ?= passive

.PHONY: all deps build test asan demo bench bench-deps golden install clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g" -DREDES_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)/redes

bench-deps:
	@scripts/deps.sh bench

bench: build bench-deps
	@bench/run.sh $(BUILD)

golden:
	@scripts/deps.sh golden
	/usr/bin/python3 tests/golden/make_golden.py

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
