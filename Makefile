# cpplive: `make demo` and `make test` set up everything they need (Debian
# packages, the .venv virtual environment), build, and run. Both are
# idempotent: steps whose inputs did not change are skipped.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
LLVM_VERSION := 19
APT_PACKAGES := clang-$(LLVM_VERSION) libclang-$(LLVM_VERSION)-dev llvm-$(LLVM_VERSION)-dev lld-$(LLVM_VERSION) g++ python3-venv
# Real libraries the tests and benchmarks use (pytests/test_real_libraries.py).
APT_PACKAGES += libspdlog-dev libeigen3-dev libfmt-dev libyaml-cpp-dev libtinyxml2-dev libsqlite3-dev libboost-dev

BUILD_INPUTS := $(shell find backends bindings/src -type f \( -name '*.rs' -o -name '*.c' -o -name '*.cpp' -o -name '*.h' \)) \
	Cargo.toml Cargo.lock backends/core/Cargo.toml backends/clang/Cargo.toml backends/dictionary/Cargo.toml backends/clang/build.rs bindings/build.rs \
	bindings/Cargo.toml bindings/pyproject.toml

.PHONY: demo test setup system-packages build clean bench

demo: build
	$(PY) examples/seed.py

test: build
	cargo test -p cpplive-core -p cpplive-clang -p cpplive-dict
	$(PY) -m pytest pytests -q

bench: build
	$(PY) bench/startup.py
	$(PY) bench/calls.py
	$(PY) bench/libraries.py
	$(PY) bench/interactive.py

setup: system-packages $(VENV)/.tools

# Installs the Debian packages only when one of them is missing.
system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@command -v cargo >/dev/null || { echo "cargo (Rust) is required: install it with rustup or apt-get install cargo"; exit 1; }

# psutil: cppyy's upstream suite (tools/cppyy_suite.py) imports it.
$(VENV)/.tools:
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q 'maturin>=1.5,<2' pytest numpy psutil ipython
	touch $@

build: setup $(VENV)/.built

# The clang backend is a library of its own beside the extension module,
# opened only when clang is needed (docs/design.md, "The clang backend is
# loaded on first need"); `install` replaces the file instead of rewriting
# it under processes that have it mapped.
$(VENV)/.built: $(BUILD_INPUTS) $(VENV)/.tools
	cd bindings && VIRTUAL_ENV=$(CURDIR)/$(VENV) ../$(VENV)/bin/maturin develop --release -q
	cargo build --release -q -p cpplive-clang
	install -m 755 target/release/libcpplive_clang.so bindings/python/cpplive/libcpplive_clang.so
	touch $@

clean:
	cargo clean
	rm -rf $(VENV)
