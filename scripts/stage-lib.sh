#!/usr/bin/env bash
# stage-lib.sh DIR SOURCE_SO
#
# Lays out a library directory that C programs can link against and load
# instead of Debian's libmemcached:
#
#   libmemcached.so.11.0.0      copy of SOURCE_SO (our cdylib, SONAME libmemcached.so.11)
#   libmemcached.so.11          -> libmemcached.so.11.0.0
#   libmemcached.so             -> libmemcached.so.11
#   libhashkit.so.2.0.0         thin shim: no code, DT_NEEDED libmemcached.so.11
#   libhashkit.so.2, .so        links
#   libmemcachedutil.so.2.0.0   thin shim, likewise
#   libmemcachedutil.so.2, .so  links
#
# The shims exist so that programs linked with -lhashkit / -lmemcachedutil
# (and Debian-built binaries whose DT_NEEDED names them) find every function
# in our libmemcached.so.11, which exports all three libraries' functions.
#
# Used by the Rust test harness (tests/common/mod.rs) and by the Makefile, so
# there is one implementation. Safe to run concurrently on the same DIR:
# runs are serialised with flock, and every file is written under a temporary
# name and renamed into place, so a reader never sees a partial file.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 DIR SOURCE_SO" >&2
    exit 64
fi
dir=$1
src=$2
if [ ! -f "$src" ]; then
    echo "stage-lib.sh: $src does not exist (build the cdylib first)" >&2
    exit 1
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)

exec 9>"$dir/.stage.lock"
if ! flock -w 120 9; then
    echo "stage-lib.sh: could not lock $dir/.stage.lock within 120 s" >&2
    exit 1
fi

tmp=".stage.$$"
# Remove our temporary files however we leave.
trap 'rm -f "$dir"/$tmp.*' EXIT

# link NAME TARGET: make NAME a symlink to TARGET, atomically.
link() {
    if [ "$(readlink "$dir/$1" 2>/dev/null || true)" != "$2" ]; then
        ln -s "$2" "$dir/$tmp.link"
        mv -fT "$dir/$tmp.link" "$dir/$1"
    fi
}

# The real library: replace it only when the content changed.
real=libmemcached.so.11.0.0
if ! cmp -s "$src" "$dir/$real"; then
    cp "$src" "$dir/$tmp.so"
    chmod 755 "$dir/$tmp.so"
    mv -f "$dir/$tmp.so" "$dir/$real"
fi
link libmemcached.so.11 "$real"
link libmemcached.so libmemcached.so.11

# The shims depend only on the SONAME of the real library, so they are built
# once per directory (or again when this script is newer than they are).
printf '/* intentionally empty: every function lives in libmemcached.so.11 */\n' >"$dir/$tmp.c"
for shim in libhashkit.so.2 libmemcachedutil.so.2; do
    file=$shim.0.0
    if [ ! -f "$dir/$file" ] || [ "${BASH_SOURCE[0]}" -nt "$dir/$file" ]; then
        gcc -shared -fPIC -o "$dir/$tmp.shim" "$dir/$tmp.c" \
            -Wl,-soname,"$shim" -Wl,-rpath,'$ORIGIN' \
            -Wl,--no-as-needed -L"$dir" -l:libmemcached.so.11
        chmod 755 "$dir/$tmp.shim"
        mv -f "$dir/$tmp.shim" "$dir/$file"
    fi
    link "$shim" "$file"
    link "${shim%.*}" "$shim"
done
