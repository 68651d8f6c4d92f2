# tether: the two commands a fresh Debian 12 machine needs are `make run` and
# `make test`; both install missing packages and build first.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CONFIG ?= dist/tether.yaml

# Debian 12 packages the build and the tests need (docs/building.md says why).
DEB_PACKAGES := g++ make cmake ccache pkg-config \
  libcaf-dev libboost-dev libboost-system-dev libssl-dev \
  nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libfmt-dev \
  libsimdjson-dev zlib1g-dev libsqlite3-dev prometheus

# Only `make test` needs these (docs/building.md): the browser that drives
# the admin console's web page in e2e.console.
TEST_DEB_PACKAGES := chromium

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps test-deps install-packages configure build test run \
        test-asan test-tsan bench format check-config clean

all: build

# Idempotent: apt-get runs only when a package is missing. `make run`
# installs DEB_PACKAGES only; `make test` also TEST_DEB_PACKAGES.
deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEB_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install-packages \
	  PACKAGES="$(TEST_DEB_PACKAGES)"

install-packages:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	else echo "deps: all packages present"; fi

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build test-deps
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

run: build
	$(BUILD_DIR)/tetherd --config $(CONFIG)

check-config: build
	$(BUILD_DIR)/tetherd --check-config $(CONFIG)

test-asan:
	$(MAKE) test BUILD_DIR=build-asan BUILD_TYPE=Debug \
	  CMAKE_FLAGS=-DTETHER_SANITIZE=address,undefined

test-tsan:
	$(MAKE) test BUILD_DIR=build-tsan BUILD_TYPE=Debug \
	  CMAKE_FLAGS=-DTETHER_SANITIZE=thread

bench: build
	bench/run.sh $(BUILD_DIR)

format:
	find actors apps bench config protocols supervision tests \
	  -name '*.hpp' -o -name '*.cpp' | xargs clang-format -i

clean:
	rm -rf build build-asan build-tsan
