#!/usr/bin/env bash
# Installs the Debian packages the demo and the tests need (idempotent: does
# nothing when they are all installed). Used by `make demo`, `make test` and
# .ci/run, so the README's two commands work on a fresh Debian 12 machine.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
    memcached libmemcached-dev libmemcached-tools sasl2-bin libsasl2-dev
    libsasl2-modules python3-pylibmc valgrind strace gcc make pkg-config binutils
    openssl
    # tests/pylibmc.rs: pylibmc built from its sdist in a venv under the target
    # dir (scripts/pylibmc-env.sh), Debian's python3-pylibmc run with pytest.
    python3-dev python3-venv python3-pip zlib1g-dev python3-pytest util-linux
    # make test-consumers (scripts/consumers/run.py): packaged consumers of
    # libmemcached and what runs their tests (PHP's run-tests.php is in
    # php8.2-dev; extended-consistent-hashing.t uses Cache::Memcached::libmemcached).
    php8.2-cli php8.2-memcached php8.2-dev
    libmemcached-libmemcached-perl libcache-memcached-libmemcached-perl
    postgresql-15 postgresql-15-pgmemcache gearman-job-server gearman-tools
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "== all ${#packages[@]} packages already installed"
    exit 0
fi
echo "== installing: ${missing[*]}"
sudo=()
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "install-deps: missing packages and not root: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${packages[@]}"
