#!/usr/bin/env bash
# pylibmc-env.sh TARGET_DIR STAGED_LIB_DIR
#
# Prepares, idempotently and cached under TARGET_DIR, what the pylibmc and
# Django tests (tests/pylibmc.rs) run on:
#
#   TARGET_DIR/pyprefix   `make install STAGEDIR=STAGED_LIB_DIR PREFIX=...` of
#                         our library: include/ (libmemcached*, libhashkit*),
#                         lib/libmemcached.so{,.11,.11.0.0} + shims, pkgconfig/.
#                         Reinstalled only when the staged library or the
#                         headers changed (never rewritten under a running
#                         program otherwise).
#   TARGET_DIR/pydist     downloaded pylibmc-1.6.3.tar.gz (the PyPI sdist) and
#                         its unpacked tree (tests/ and src/pylibmc/ are used).
#   TARGET_DIR/pyvenv     a venv of Debian's /usr/bin/python3 with pytest,
#                         Django 4.2, django-pylibmc 0.6.1 and pylibmc 1.6.3
#                         built FROM THE SDIST against pyprefix, with an rpath
#                         (CFLAGS=-I$P/include LDFLAGS="-L$P/lib -Wl,-rpath,$P/lib",
#                         --no-binary :all: --no-cache-dir). Rebuilt when the
#                         installed headers change.
#
# Prints `name=value` lines (prefix, venv, python, sdist) on success.
# Concurrent runs on the same TARGET_DIR are serialised with flock.
# Needs: /usr/bin/python3 with venv and pip (python3-venv, python3-pip),
# python3-dev, zlib1g-dev, libsasl2-dev (our headers include <sasl/sasl.h>),
# gcc, make, and PyPI for the downloads (cached after the first run).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 TARGET_DIR STAGED_LIB_DIR" >&2
    exit 64
fi
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
mkdir -p "$1"
target=$(cd "$1" && pwd -P)
staged=$(cd "$2" && pwd -P)

PYLIBMC_VERSION=1.6.3
PYTEST_SPEC='pytest==9.2.0'
DJANGO_SPEC='Django>=4.2,<4.3'
DJANGO_PYLIBMC_SPEC='django-pylibmc==0.6.1'

prefix=$target/pyprefix
dist=$target/pydist
venv=$target/pyvenv
py=$venv/bin/python
pip=(env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 "$py" -m pip)

exec 9>"$target/.pylibmc-env.lock"
if ! flock -w 600 9; then
    echo "pylibmc-env.sh: could not lock $target/.pylibmc-env.lock within 600 s" >&2
    exit 1
fi

step() { echo "pylibmc-env: $*" >&2; }

# 1. The installed prefix of our library.
prefix_current() {
    cmp -s "$staged/libmemcached.so.11.0.0" "$prefix/lib/libmemcached.so.11.0.0" &&
        diff -rq -x ".*" "$repo/include" "$prefix/include" >/dev/null 2>&1 &&
        [ -f "$prefix/lib/pkgconfig/libmemcached.pc" ]
}
if ! prefix_current; then
    step "make install PREFIX=$prefix (from $staged)"
    # Write into a fresh directory and swap it in, so a program that still
    # maps the old library keeps a valid file.
    rm -rf "$prefix.new"
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$repo" install STAGEDIR="$staged" PREFIX="$prefix" DESTDIR="$prefix.new.root" >&2
    mkdir -p "$prefix.new"
    mv "$prefix.new.root$prefix"/* "$prefix.new"/
    rm -rf "$prefix.new.root"
    # The .pc file names PREFIX, which is where the tree ends up.
    rm -rf "$prefix.old"
    if [ -d "$prefix" ]; then mv "$prefix" "$prefix.old"; fi
    mv "$prefix.new" "$prefix"
    rm -rf "$prefix.old"
fi

# 2. The sdist.
sdist=$dist/pylibmc-$PYLIBMC_VERSION.tar.gz
srcdir=$dist/pylibmc-$PYLIBMC_VERSION
mkdir -p "$dist"

# 3. The venv (pip comes from ensurepip; setuptools too, used to build pylibmc).
if ! { "$py" -c 'import setuptools' && "$py" -m pip --version; } >/dev/null 2>&1; then
    step "python3 -m venv $venv"
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
fi

if [ ! -f "$sdist" ]; then
    step "pip download pylibmc==$PYLIBMC_VERSION (sdist)"
    "${pip[@]}" download -q --no-deps --no-binary :all: -d "$dist.tmp" "pylibmc==$PYLIBMC_VERSION"
    mv "$dist.tmp/pylibmc-$PYLIBMC_VERSION.tar.gz" "$sdist"
    rm -rf "$dist.tmp"
fi
if [ ! -f "$srcdir/setup.py" ]; then
    rm -rf "$srcdir"
    tar -xzf "$sdist" -C "$dist"
fi

# 4. pylibmc from the sdist, against the prefix, with an rpath. The stamp
# records what it was built from: the headers, the prefix path, the recipe.
stamp_now=$( {
    echo "pylibmc $PYLIBMC_VERSION prefix $prefix recipe B rpath"
    (cd "$prefix/include" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
} | sha256sum | cut -d' ' -f1)
stamp_file=$venv/.pylibmc-build-stamp
if [ "$(cat "$stamp_file" 2>/dev/null || true)" != "$stamp_now" ] ||
    ! "$py" -c 'import _pylibmc' 2>/dev/null; then
    step "building pylibmc $PYLIBMC_VERSION from $sdist against $prefix"
    rm -f "$stamp_file"
    "${pip[@]}" uninstall -q -y pylibmc >/dev/null 2>&1 || true
    CFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib -Wl,-rpath,$prefix/lib" \
        "${pip[@]}" install -q --no-cache-dir --no-deps --no-binary :all: \
        --no-build-isolation --force-reinstall "$sdist" >&2
    echo "$stamp_now" >"$stamp_file"
fi

# 5. The Python packages the tests use (wheels are fine for these).
if ! "$py" - <<'EOF' 2>/dev/null; then
import importlib.metadata as md
assert md.version("pytest") == "9.2.0"
assert md.version("Django").startswith("4.2.")
assert md.version("django-pylibmc") == "0.6.1"
EOF
    step "pip install $PYTEST_SPEC $DJANGO_SPEC $DJANGO_PYLIBMC_SPEC"
    "${pip[@]}" install -q "$PYTEST_SPEC" "$DJANGO_SPEC" "$DJANGO_PYLIBMC_SPEC" >&2
fi

echo "prefix=$prefix"
echo "venv=$venv"
echo "python=$py"
echo "sdist=$srcdir"
