#!/usr/bin/env bash
# demo.sh [LIBDIR]  (default build/lib, staged by `make lib`)
#
# Builds examples/demo.c against include/ and LIBDIR, starts a private
# memcached on a free loopback port, runs the demo against it, then the Rust
# example of the core crate (core/examples/shared_cluster.rs), stops that
# memcached by its PID and exits with the first failing status.
set -euo pipefail

cd "$(dirname "$0")/.."
libdir=$(cd "${1:-build/lib}" && pwd -P)
mkdir -p build
gcc -std=c99 -Wall -Wextra -Werror -I include examples/demo.c -o build/demo \
    -L"$libdir" -Wl,-rpath,"$libdir" -lmemcached

user_args=()
if [ "$(id -u)" -eq 0 ]; then
    user_args=(-u root)  # memcached refuses to run as root without -u
fi

mc_pid=
stop_memcached() {
    if [ -n "$mc_pid" ]; then
        # SIGKILL: memcached keeps nothing worth a graceful shutdown, and the
        # wait below then cannot hang.
        kill -KILL "$mc_pid" 2>/dev/null || true
        wait "$mc_pid" 2>/dev/null || true
        mc_pid=
    fi
}
trap stop_memcached EXIT

# answers PORT PID: true when the server on PORT reports PID in `stats`
# (so a server of someone else on a clashing port is not taken for ours).
answers() {
    timeout 1 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "stats\r\n" >&3
        while IFS= read -r line <&3; do
            line=${line%"$3"}
            [ "$line" = "STAT pid $2" ] && exit 0
            [ "$line" = END ] && exit 1
        done
        exit 1' _ "$1" "$2" $'\r' 2>/dev/null
}

port=
for _ in $(seq 10); do
    candidate=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    memcached -l 127.0.0.1 -p "$candidate" -U 0 "${user_args[@]}" 2>build/demo-memcached.log &
    mc_pid=$!
    for _ in $(seq 100); do  # up to 5 s
        if answers "$candidate" "$mc_pid"; then
            port=$candidate
            break 2
        fi
        kill -0 "$mc_pid" 2>/dev/null || break
        sleep 0.05
    done
    stop_memcached  # exited (port clash) or never answered: try another port
done
if [ -z "$port" ]; then
    echo "demo.sh: could not start memcached; log:" >&2
    cat build/demo-memcached.log >&2
    exit 1
fi

echo "# memcached pid $mc_pid on 127.0.0.1:$port; running build/demo"
status=0
timeout 60 build/demo "127.0.0.1:$port" || status=$?
if [ "$status" -eq 0 ]; then
    # The same server from Rust: the safe API of the core crate.
    echo "# the Rust example (core/examples/shared_cluster.rs)"
    MEMCACHED_SERVERS="127.0.0.1:$port" timeout 600 \
        cargo run --quiet --release -p memcached-core --example shared_cluster || status=$?
fi
stop_memcached
exit "$status"
