#!/usr/bin/env bash
# The files the Debian package installs besides the binary: a man page per
# command (gzipped) and the completions for bash, zsh and fish.
#
#   bash packaging/assets.sh DIR BINARY
set -euo pipefail
dir=$1
bin=$2
rm -rf "$dir"
mkdir -p "$dir/man" "$dir/completions"
"$bin" man --dir "$dir/man" >/dev/null
gzip -9n "$dir"/man/*.1
"$bin" completions bash >"$dir/completions/casefile"
"$bin" completions zsh >"$dir/completions/_casefile"
"$bin" completions fish >"$dir/completions/casefile.fish"
