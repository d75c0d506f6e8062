#!/usr/bin/env bash
# deb-test.sh [DEBDIR]
#
# Installs the packages of `make deb` (DEBDIR, default build/deb) as the
# system's libmemcached, replacing Debian's libmemcached11,
# libmemcachedutil2, libhashkit2, libmemcached-dev and libhashkit-dev, and
# checks with no LD_LIBRARY_PATH that
#   * the dynamic linker resolves libmemcached.so.11 to our file,
#   * Debian's memccp/memccat (ldd) and python3-pylibmc (/proc/self/maps)
#     load our library and work against a private memcached,
#   * a C program builds with `pkg-config libmemcached` from the -dev package.
# Then it restores Debian's packages exactly as they were (also on failure or
# interruption), from /var/cache/apt/archives or, offline, from .debs
# repacked out of the installed files before anything is changed (kept in
# /var/cache/libmemcached-rs-deb-test so an interrupted run can be repaired
# by running this script again).
#
# Needs root. Changes system packages for a few seconds: run it when no other
# test compares against Debian's library. Called at the end of .ci/run.
set -euo pipefail

cd "$(dirname "$0")/.."
debdir=${1:-build/deb}
arch=$(dpkg --print-architecture)
multiarch=$(gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")
libdir=/usr/lib/$multiarch
saved=/var/cache/libmemcached-rs-deb-test
debian_pkgs=(libmemcached11 libmemcachedutil2 libhashkit2 libmemcached-dev libhashkit-dev)
our_pkgs=(libmemcached-rs-dev libmemcached-rs11)
unset LD_LIBRARY_PATH LD_PRELOAD

say() { echo "deb-test: $*"; }
die() { echo "deb-test: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (it installs packages)"
lib_deb=$(ls "$debdir"/libmemcached-rs11_*_"$arch".deb 2>/dev/null | head -n 1)
dev_deb=$(ls "$debdir"/libmemcached-rs-dev_*_"$arch".deb 2>/dev/null | head -n 1)
[ -n "$lib_deb" ] && [ -n "$dev_deb" ] || die "no packages in $debdir (run make deb)"

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

# present PKG: dpkg has any files of PKG (installed, unpacked, half-configured…).
present() {
    local st
    st=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != not-installed ] && [ "$st" != config-files ]
}

# repack PKG OUT: rebuild the .deb of an installed package from its files and
# dpkg's records (what dpkg-repack does), after checking the files are intact.
repack() {
    local pkg=$1 out=$2 tmp info
    dpkg --verify "$pkg" || die "$pkg's installed files differ from its md5sums; not repacking"
    tmp=$(mktemp -d)
    mkdir -p "$tmp/root/DEBIAN"
    dpkg-query -s "$pkg" | awk '
        /^Status:/ { next }
        /^[A-Za-z-]+:/ { skip = ($1 == "Conffiles:") }
        !skip { print }' >"$tmp/root/DEBIAN/control"
    dpkg -L "$pkg" | while IFS= read -r f; do
        if [ "$f" = /. ] || { [ -d "$f" ] && [ ! -L "$f" ]; }; then continue; fi
        printf '%s\n' "${f#/}"
    done >"$tmp/files"
    tar -C / --no-recursion -cf - -T "$tmp/files" | tar -C "$tmp/root" -xf -
    for info in shlibs triggers symbols md5sums preinst postinst prerm postrm; do
        for f in "/var/lib/dpkg/info/$pkg:$arch.$info" "/var/lib/dpkg/info/$pkg.$info"; do
            if [ -f "$f" ]; then cp "$f" "$tmp/root/DEBIAN/$info"; break; fi
        done
    done
    dpkg-deb --root-owner-group --build "$tmp/root" "$out" >/dev/null
    rm -rf "$tmp"
}

# 1. Save Debian's packages (once; a leftover from an interrupted run is kept).
mkdir -p "$saved"
if present libmemcached-rs11 || present libmemcached-rs-dev; then
    say "libmemcached-rs is installed already (interrupted run?): restoring from $saved first"
    [ -f "$saved/packages" ] || die "nothing saved in $saved to restore from"
else
    : >"$saved/packages.new"
    for pkg in "${debian_pkgs[@]}"; do
        installed "$pkg" || continue
        ver=$(dpkg-query -W -f='${Version}' "$pkg")
        deb="$saved/${pkg}_${ver//:/%3a}_$arch.deb"
        cached="/var/cache/apt/archives/$(basename "$deb")"
        if [ -f "$cached" ]; then
            cp "$cached" "$deb"
        else
            repack "$pkg" "$deb"
        fi
        echo "$pkg $ver $deb" >>"$saved/packages.new"
    done
    mv "$saved/packages.new" "$saved/packages"
fi

memcached_pid=
restore() {
    local rc=$? ok=1 pkg ver deb debs=()
    set +e
    if [ -n "$memcached_pid" ]; then
        kill "$memcached_pid" 2>/dev/null
        wait "$memcached_pid" 2>/dev/null
    fi
    say "restoring Debian's packages"
    for pkg in "${our_pkgs[@]}"; do
        present "$pkg" && dpkg --remove --force-depends "$pkg" >/dev/null
    done
    while read -r pkg ver deb; do debs+=("$deb"); done <"$saved/packages"
    if [ ${#debs[@]} -gt 0 ]; then
        dpkg -i "${debs[@]}" >/dev/null || ok=0
    fi
    while read -r pkg ver deb; do
        if [ "$(dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null)" != "install ok installed $ver" ]; then
            echo "deb-test: FAIL: $pkg $ver was not restored" >&2
            ok=0
        fi
        dpkg --verify "$pkg" || ok=0
    done <"$saved/packages"
    if [ -n "$(dpkg --audit 2>&1)" ]; then
        dpkg --audit >&2
        ok=0
    fi
    if [ $ok = 1 ]; then
        say "Debian's packages are back"
        rm -rf "$saved"
    else
        echo "deb-test: FAIL: restoring Debian's packages; run $0 again to retry from $saved" >&2
        rc=1
    fi
    exit $rc
}
trap restore EXIT
trap 'exit 130' INT TERM
# A repair run (see step 1) only restores.
if present libmemcached-rs11 || present libmemcached-rs-dev; then exit 1; fi

# 2. Install ours; dpkg removes Debian's packages (Conflicts + Replaces);
# --auto-deconfigure lets it remove libmemcached11 although the outgoing
# libmemcachedutil2 depends on it (apt does the same on its own).
say "installing $(basename "$lib_deb") $(basename "$dev_deb")"
dpkg --auto-deconfigure -i "$lib_deb" "$dev_deb"
for pkg in "${our_pkgs[@]}"; do installed "$pkg" || die "$pkg is not installed"; done
for pkg in libmemcached11 libmemcachedutil2 libhashkit2; do
    installed "$pkg" && die "$pkg is still installed"
done
dpkg --audit | grep . && die "dpkg --audit reports broken packages"

# 3. The linker finds our files. (Outputs are captured before grep -q, whose
# early exit would otherwise fail the pipeline under pipefail.)
cache=$(ldconfig -p)
for so in libmemcached.so.11 libhashkit.so.2 libmemcachedutil.so.2; do
    real=$(readlink -f "$libdir/$so")
    owner=$(dpkg -S "$real" | cut -d: -f1)
    [ "$owner" = libmemcached-rs11 ] || die "$real belongs to $owner"
    # (/lib is /usr/lib on merged-/usr systems.)
    grep -Eq "^\s$so \(.*\) => (/usr)?/lib/$multiarch/$so\$" <<<"$cache" || die "ldconfig does not list $libdir/$so"
done
ours=$(readlink -f "$libdir/libmemcached.so.11")
# owned_by_us FILE...: every file is (a link to) a file of libmemcached-rs11.
owned_by_us() {
    local f owner
    for f in "$@"; do
        owner=$(dpkg -S "$(readlink -f "$f")" 2>/dev/null | cut -d: -f1)
        [ "$owner" = libmemcached-rs11 ] || die "$f is not from libmemcached-rs11 (${owner:-no package})"
    done
}

# 4. A private memcached on a free loopback port.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
memcached -l 127.0.0.1 -p "$port" -U 0 -u root &
memcached_pid=$!
for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.05
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || die "memcached did not start on $port"
servers=127.0.0.1:$port

# 5. memccp / memccat.
# (memccat's RUNPATH makes the path /usr/bin/../lib/<multiarch>/…: compare
# the files the paths resolve to.)
deps=$(ldd /usr/bin/memccat)
grep -q "libmemcached.so.11 => /" <<<"$deps" || die "memccat does not resolve libmemcached.so.11"
owned_by_us $(awk '/libmemcached|libhashkit/ { print $3 }' <<<"$deps")
work=$(mktemp -d)
echo "value written by Debian's memccp over libmemcached-rs" >"$work/deb-test-key"
(cd "$work" && timeout 20 memccp --servers="$servers" deb-test-key)
got=$(timeout 20 memccat --servers="$servers" deb-test-key)
[ "$got" = "$(cat "$work/deb-test-key")" ] || die "memccat printed '$got'"
LD_DEBUG=libs timeout 20 memccat --servers="$servers" deb-test-key 2>"$work/ld.log" >/dev/null
init=$(sed -n 's/.*calling init: \(.*libmemcached\.so\.11\)$/\1/p' "$work/ld.log" | head -n 1)
[ -n "$init" ] || die "memccat did not initialise a libmemcached.so.11"
owned_by_us "$init"
say "memccp/memccat use $ours"

# 6. Debian's python3-pylibmc.
/usr/bin/python3 - "$port" "$ours" <<'EOF'
import sys
import pylibmc

port, ours = sys.argv[1], sys.argv[2]
for binary in (False, True):
    c = pylibmc.Client(["127.0.0.1:" + port], binary=binary, behaviors={"ketama": True})
    c.set("deb-test", "hello", time=60)
    assert c.get("deb-test") == "hello", c.get("deb-test")
    c.set_multi({"a": 1, "b": [1, 2]})
    assert c.get_multi(["a", "b", "missing"]) == {"a": 1, "b": [1, 2]}
    assert c.incr("a", 5) == 6
    assert c.delete("deb-test") and c.get("deb-test") is None
    c.disconnect_all()
maps = [l.split()[-1] for l in open("/proc/self/maps") if "libmemcached" in l or "libhashkit" in l]
assert ours in maps, (ours, maps)
print("\n".join(sorted(set(maps))))
EOF
owned_by_us $(/usr/bin/python3 -c 'import pylibmc; print("\n".join(sorted({l.split()[-1] for l in open("/proc/self/maps") if "libmemcached" in l})))')
say "python3-pylibmc uses $ours"

# 7. The -dev package: headers, pkg-config and .so links.
cat >"$work/dev.c" <<'EOF'
#include <libmemcached/memcached.h>
#include <libmemcached/util.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    memcached_st *m = memcached(argv[1], strlen(argv[1]));
    if (m == NULL) return 2;
    memcached_return_t rc = memcached_set(m, "dev", 3, "ok", 2, 0, 0);
    const memcached_instance_st *s = memcached_server_instance_by_position(m, 0);
    int ping = libmemcached_util_ping(memcached_server_name(s), memcached_server_port(s), NULL);
    printf("%s %s %d\n", memcached_lib_version(), memcached_strerror(m, rc), ping);
    memcached_free(m);
    return rc == MEMCACHED_SUCCESS && ping ? 0 : 1;
}
EOF
# shellcheck disable=SC2046
gcc -Wall -Werror -o "$work/dev" "$work/dev.c" $(pkg-config --cflags --libs libmemcached)
owned_by_us $(ldd "$work/dev" | awk '/libmemcached/ { print $3 }')
"$work/dev" "--SERVER=127.0.0.1:$port"
rm -rf "$work"
say "PASS (restoring Debian's packages now)"
