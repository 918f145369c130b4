#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run the whole suite.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/dsp -x).
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use (browser, database server). Installed only when missing, as root.
mapfile -t want < <(grep -v '^\s*#' scripts/apt-packages.txt | tr -s ' \n' '\n' | sed '/^$/d')
missing=()
for pkg in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "warning: not root, cannot install ${missing[*]}; tests that need them will skip" >&2
    fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
exec .venv/bin/python -m pytest "$@"
