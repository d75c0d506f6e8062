# Build, stage, test and install libmemcached-rs.
#
#   make / make lib     cargo build --release, then stage build/lib:
#                         libmemcached.so.11.0.0 (+ .so.11, .so) and thin
#                         libhashkit.so.2.0.0 / libmemcachedutil.so.2.0.0 (+ links)
#   make demo           run examples/demo.c against build/lib and a private memcached
#   make test           cargo test --no-fail-fast (Rust tests, C programs in ctests/, exports table),
#                         then make test-consumers
#   make test-consumers scripts/consumers/run.py: the test suites of php-memcached, Perl's
#                         Memcached::libmemcached, pgmemcache and gearmand's libmemcached
#                         queue, over Debian's libmemcached 1.1.4 and over build/lib
#   make test-sequences the differential sequence tester (tests/sequences/) over build/lib:
#                         seeds 0-499 and the corpus, Debian's 1.1.4 against ours
#   make fuzz-sequences SECONDS=N  open-ended random seeds for N seconds, ours under
#                         valgrind memcheck (a memory error fails even when traces match)
#   make install        PREFIX=/usr/local DESTDIR= LIBDIR=$(PREFIX)/lib
#                         STAGEDIR=<dir> installs an already staged directory
#                         instead of building (used by the tests)
#   make exports-table  regenerate docs/exports.md from build/lib
#   make miri           the core crate's unit tests under Miri (nightly toolchain with
#                         the miri component; the tests that need no sockets)
#   make fmt-check / make clippy / make clean

CARGO      ?= cargo
PYTHON     ?= python3
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
RELEASE_SO := $(TARGET_DIR)/release/libmemcached.so
BUILD_LIB  := build/lib
STAGEDIR   ?= $(BUILD_LIB)

PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR      ?=

SONAMES := libmemcached.so.11 libhashkit.so.2 libmemcachedutil.so.2

.PHONY: all deps lib demo test test-consumers install exports-table fmt-check clippy clean

all: lib

lib:
	$(CARGO) build --release
	scripts/stage-lib.sh $(BUILD_LIB) $(RELEASE_SO)

deps:
	scripts/install-deps.sh

demo: deps lib
	scripts/demo.sh $(BUILD_LIB)

# Both halves run even when the first fails; either failing fails `make test`.
test: deps
	@rc=0; \
	$(CARGO) test --no-fail-fast || rc=1; \
	$(MAKE) --no-print-directory test-consumers || rc=1; \
	exit $$rc

# The consumers' own tests over Debian's 1.1.4 and over ours (a few minutes);
# fails when a test passing over 1.1.4 does not pass over ours, unless
# tests/consumers/exceptions.txt names an id of the README's table of
# intentional differences. CONSUMERS_ARGS passes options, e.g.
# CONSUMERS_ARGS="--only pgmemcache,gearmand". Scratch files: build/consumers.
CONSUMERS_ARGS ?=
test-consumers: deps lib
	timeout 900 $(PYTHON) scripts/consumers/run.py --ours $(BUILD_LIB) $(CONSUMERS_ARGS)

# Installing the default staging directory builds it first; an explicit
# STAGEDIR is installed as it is.
ifeq ($(STAGEDIR),$(BUILD_LIB))
install: lib
endif
install:
	@test -f $(STAGEDIR)/libmemcached.so.11.0.0 || \
	    { echo "make install: $(STAGEDIR) is not staged (run make lib)" >&2; exit 1; }
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	for so in $(SONAMES); do \
	    install -m 755 $(STAGEDIR)/$$so.0.0 $(DESTDIR)$(LIBDIR)/$$so.0.0 && \
	    ln -sfn $$so.0.0 $(DESTDIR)$(LIBDIR)/$$so && \
	    ln -sfn $$so $(DESTDIR)$(LIBDIR)/$${so%.*} || exit 1; \
	done
	(cd include && find . -mindepth 1 -name '.*' -prune -o -type f -print) | \
	    while IFS= read -r f; do \
	        install -D -m 644 "include/$$f" "$(DESTDIR)$(INCLUDEDIR)/$$f" || exit 1; \
	    done
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' libmemcached.pc.in \
	    >$(DESTDIR)$(PKGCONFIGDIR)/libmemcached.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/libmemcached.pc

# Debian packages libmemcached-rs11 and libmemcached-rs-dev in build/deb
# (packaging/build-deb.sh); scripts/deb-test.sh installs and tests them.
.PHONY: deb
deb: lib
	packaging/build-deb.sh $(BUILD_LIB) build/deb

exports-table: lib
	$(PYTHON) scripts/exports-table.py $(BUILD_LIB)/libmemcached.so.11 docs/exports.md

# Miri runs the core's unit tests that need no network (Miri has no sockets);
# the core has no unsafe code, so this checks the standard library and
# dependency code it drives (parsers, codecs, the pool, SASL, encryption).
MIRI_TESTS ?= client:: cnum:: config:: error:: pool:: protocol:: sasl:: server:: server_list:: encoding::
.PHONY: miri
miri:
	MIRIFLAGS="-Zmiri-disable-isolation" $(CARGO) +nightly miri test -p memcached-core --lib -- $(MIRI_TESTS)

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	rm -rf build
	$(CARGO) clean

# make bench: build, then benches/bench.py runs Debian's libmemcached 1.1.4
# and ours side by side and writes docs/bench.md (see docs/bench.md for the
# method; about 4 minutes, at most 15); tls_bench.py and udp_bench.py
# (Debian's memccp/memcslap --udp over both libraries) append their sections. BENCH_ARGS passes options, e.g.
# BENCH_ARGS="--rounds 31 --seconds 0.2" or BENCH_ARGS="--workloads get32-ascii".
BENCH_PYTHON ?= /usr/bin/python3
.PHONY: bench
bench: lib
	timeout 900 $(BENCH_PYTHON) benches/bench.py --ours $(BUILD_LIB) \
	    --command "make bench$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" $(BENCH_ARGS)
	timeout 300 $(BENCH_PYTHON) benches/tls_bench.py
	timeout 300 $(BENCH_PYTHON) benches/udp_bench.py

# The differential sequence tester (tests/sequences/README.md). `make test`
# runs it through cargo test (tests/sequences.rs); these run it over build/lib.
# SEQ_ARGS passes driver options, e.g. SEQ_ARGS="--seeds 0:2000" or
# SEQ_ARGS="--shrink 561" (shrink one failing seed to its shortest sequence).
SEQ_ARGS ?=
SECONDS  ?= 60
.PHONY: test-sequences fuzz-sequences
test-sequences: deps lib
	timeout 1800 $(PYTHON) tests/sequences/driver.py --ours $(BUILD_LIB) \
	    $(if $(SEQ_ARGS),$(SEQ_ARGS),--seeds 0:500 --self-check)

fuzz-sequences: deps lib
	timeout $$(( $(SECONDS) + 900 )) $(PYTHON) tests/sequences/driver.py --ours $(BUILD_LIB) \
	    --fuzz-seconds $(SECONDS) --sanitizer valgrind --progress 50 $(SEQ_ARGS)
