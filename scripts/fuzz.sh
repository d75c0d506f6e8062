#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a bounded time (issue 8 item 2).
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer args...]
#   scripts/fuzz.sh all SECONDS            # every target, one after another
#   scripts/fuzz.sh list                   # the target names
#
# Targets: fuzz_ascii_reply, fuzz_binary_reply, fuzz_servers_parse,
# fuzz_config, fuzz_client_reply (the doc comment at the top of each
# fuzz/fuzz_targets/*.rs says what it feeds and which invariants it checks).
#
# How this works on a stable toolchain (Rust 1.95, no nightly):
# - `cargo install cargo-fuzz` (0.13.2 tested). libFuzzer itself comes from
#   the libfuzzer-sys crate, compiled with the system C++ compiler.
# - `cargo fuzz build/run --sanitizer none` needs no nightly feature: the
#   coverage instrumentation is `-Cpasses=sancov-module` plus
#   `-Cllvm-args=-sanitizer-coverage-*`, which stable rustc accepts. The
#   build is release mode with debug assertions (overflow checks on).
# - AddressSanitizer (cargo-fuzz's default) needs `-Zsanitizer=address`;
#   FUZZ_SANITIZER=address runs with RUSTC_BOOTSTRAP=1 to allow it on
#   stable. The fuzzed code is `#![deny(unsafe_code)]`, so the default here
#   is `none`: faster, and no nightly-only flag involved.
#
# Corpora: the committed seeds in fuzz/corpus/TARGET (real memcached 1.6
# replies, configuration strings and server lists from the test suite) are
# read but never written; new inputs go to a working corpus under
# $FUZZ_WORK (default fuzz/target/work). Crashes, timeouts and OOMs are saved
# under fuzz/artifacts/TARGET/ and make this script exit non-zero.
# Environment: FUZZ_SANITIZER (none|address), FUZZ_WORK, FUZZ_RSS_MB (512),
# FUZZ_TIMEOUT (per-input seconds, 10), NICE (nice level, 10).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
if [ -d "$HOME/.cargo/bin" ]; then
    PATH="$HOME/.cargo/bin:$PATH"
fi

targets=(fuzz_ascii_reply fuzz_binary_reply fuzz_servers_parse fuzz_config fuzz_client_reply)
usage() {
    echo "usage: $0 {TARGET|all} SECONDS [libFuzzer args...] | $0 list" >&2
    echo "targets: ${targets[*]}" >&2
    exit 2
}

[ $# -ge 1 ] || usage
if [ "$1" = list ]; then
    printf '%s\n' "${targets[@]}"
    exit 0
fi
[ $# -ge 2 ] || usage
which=$1
seconds=$2
shift 2
case $seconds in
'' | *[!0-9]*) usage ;;
esac
if [ "$which" != all ]; then
    case " ${targets[*]} " in
    *" $which "*) ;;
    *) usage ;;
    esac
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2
    exit 1
fi

sanitizer=${FUZZ_SANITIZER:-none}
work=${FUZZ_WORK:-$root/fuzz/target/work}
nice_level=${NICE:-10}
cargo_env=()
if [ "$sanitizer" != none ]; then
    cargo_env=(RUSTC_BOOTSTRAP=1)
fi

# One build for all targets, so its time is not charged to the first run.
echo "== building fuzz targets (sanitizer: $sanitizer)"
(cd fuzz && env "${cargo_env[@]}" nice -n "$nice_level" \
    cargo fuzz build --sanitizer "$sanitizer")

run_one() {
    local t=$1
    shift
    mkdir -p "$work/corpus/$t" "fuzz/artifacts/$t"
    echo "== $t for ${seconds}s"
    # -max_total_time bounds the run; `timeout` is the backstop should
    # libFuzzer hang (it is given a minute beyond that to write its stats).
    (cd fuzz && env "${cargo_env[@]}" timeout --signal=INT --kill-after=30 \
        "$((seconds + 60))" nice -n "$nice_level" \
        cargo fuzz run --sanitizer "$sanitizer" "$t" \
        "$work/corpus/$t" "corpus/$t" -- \
        -max_total_time="$seconds" \
        -timeout="${FUZZ_TIMEOUT:-10}" \
        -rss_limit_mb="${FUZZ_RSS_MB:-512}" \
        -artifact_prefix="$root/fuzz/artifacts/$t/" \
        -print_final_stats=1 "$@")
}

failed=()
if [ "$which" = all ]; then
    for t in "${targets[@]}"; do
        run_one "$t" "$@" || failed+=("$t")
    done
else
    run_one "$which" "$@" || failed+=("$which")
fi

if [ ${#failed[@]} -gt 0 ]; then
    echo "== fuzzing found problems in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
    exit 1
fi
echo "== fuzzing found nothing"
