#!/usr/bin/env bash
# build-deb.sh STAGEDIR OUTDIR
#
# Builds the Debian packages of libmemcached-rs from a staged library
# directory (`make lib` output, see scripts/stage-lib.sh) with dpkg-deb:
#
#   libmemcached-rs11_<ver>_<arch>.deb    libmemcached.so.11.0.0, the thin
#       libhashkit.so.2.0.0 / libmemcachedutil.so.2.0.0 and their SONAME links
#       in /usr/lib/<multiarch>; Provides/Conflicts/Replaces libmemcached11,
#       libmemcachedutil2 and libhashkit2, so it serves as the system's
#       libmemcached.
#   libmemcached-rs-dev_<ver>_<arch>.deb  headers, libmemcached.pc and the
#       .so links; Provides/Conflicts/Replaces libmemcached-dev and
#       libhashkit-dev.
#
# The control templates are in packaging/debian/. The version is
# 1.1.4+rs<crate version>-1. No debhelper is needed: the trees are laid out
# here (through `make install`) and packed with `dpkg-deb --root-owner-group`.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 STAGEDIR OUTDIR" >&2
    exit 64
fi
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(dirname "$here")
stage=$(cd "$1" && pwd -P)
mkdir -p "$2"
out=$(cd "$2" && pwd -P)

if [ ! -f "$stage/libmemcached.so.11.0.0" ]; then
    echo "build-deb.sh: $stage is not staged (run make lib)" >&2
    exit 1
fi
for tool in dpkg dpkg-deb strip objdump make; do
    command -v "$tool" >/dev/null || { echo "build-deb.sh: $tool is missing" >&2; exit 1; }
done

upstream=1.1.4
crate_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
version="$upstream+rs$crate_version-1"
arch=$(dpkg --print-architecture)
multiarch=$(gcc -print-multiarch 2>/dev/null || true)
multiarch=${multiarch:-$(uname -m)-linux-gnu}
libdir=/usr/lib/$multiarch
# The newest glibc symbol version the library needs.
glibc=$(objdump -T "$stage/libmemcached.so.11.0.0" | grep -o 'GLIBC_[0-9][0-9.]*' |
    sed 's/GLIBC_//' | sort -uV | tail -n 1)

work=$(mktemp -d "${TMPDIR:-/tmp}/libmemcached-rs-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Everything `make install` would put into /usr, then split into the two
# packages.
make -s -C "$repo" install STAGEDIR="$stage" DESTDIR="$work/all" PREFIX=/usr \
    LIBDIR="$libdir" INCLUDEDIR=/usr/include >/dev/null

libroot=$work/libmemcached-rs11
devroot=$work/libmemcached-rs-dev
install -d "$libroot$libdir" "$devroot$libdir" "$libroot/DEBIAN" "$devroot/DEBIAN"
for so in libmemcached.so.11 libhashkit.so.2 libmemcachedutil.so.2; do
    install -m 644 "$work/all$libdir/$so.0.0" "$libroot$libdir/$so.0.0"
    # Keep the dynamic symbols, drop the debug information.
    strip --strip-unneeded "$libroot$libdir/$so.0.0"
    ln -s "$so.0.0" "$libroot$libdir/$so"
    ln -s "$so" "$devroot$libdir/${so%.*}"
done
mv "$work/all/usr/include" "$devroot/usr/include"
install -d "$devroot$libdir/pkgconfig"
mv "$work/all$libdir/pkgconfig/libmemcached.pc" "$devroot$libdir/pkgconfig/"

for pkg in libmemcached-rs11 libmemcached-rs-dev; do
    root=$work/$pkg
    install -D -m 644 "$here/debian/copyright" "$root/usr/share/doc/$pkg/copyright"
    template=$here/debian/lib.control
    [ "$pkg" = libmemcached-rs-dev ] && template=$here/debian/dev.control
    if [ "$pkg" = libmemcached-rs11 ]; then
        install -m 644 "$here/debian/triggers" "$root/DEBIAN/triggers"
        sed "s|@VERSION@|$version|g" "$here/debian/shlibs" >"$root/DEBIAN/shlibs"
        chmod 644 "$root/DEBIAN/shlibs"
    fi
    size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
    sed -e "s|@VERSION@|$version|g" -e "s|@UPSTREAM@|$upstream|g" \
        -e "s|@ARCH@|$arch|g" -e "s|@SIZE@|$size|g" -e "s|@GLIBC@|$glibc|g" \
        "$template" >"$root/DEBIAN/control"
    (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
        LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
    chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
    find "$root" -type d -exec chmod 755 {} +
    rm -f "$out/${pkg}_"*"_$arch.deb"
    dpkg-deb --root-owner-group -Zxz --build "$root" "$out/${pkg}_${version}_$arch.deb" >/dev/null
    echo "built $out/${pkg}_${version}_$arch.deb"
done
