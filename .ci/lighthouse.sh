#!/usr/bin/env bash
# Installs Lighthouse from the npm registry into a cache of its own and
# prints `export LIGHTHOUSE=...` for the web app's audit test. When it cannot
# be installed (no node, no registry), prints why on stderr and nothing on
# stdout: the test then skips and says how to run it by hand.
set -uo pipefail
version=12.8.2 # the newest that runs on Debian's Node 20
dir="${CASEFILE_LIGHTHOUSE_DIR:-$HOME/.cache/casefile-lighthouse}"
bin="$dir/node_modules/.bin/lighthouse"
if [ ! -x "$bin" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "lighthouse: npm is not installed; the audit test will skip" >&2
    exit 0
  fi
  mkdir -p "$dir"
  if ! timeout 300 npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "lighthouse@$version" >&2; then
    echo "lighthouse: could not be installed from the npm registry; the audit test will skip" >&2
    exit 0
  fi
fi
echo "export LIGHTHOUSE=$bin"
