#!/usr/bin/env bash
# Builds the Debian package: the release binary, a man page per command and
# the shell completions, installed where Debian looks for them.
#
#   bash packaging/deb.sh            # target/debian/casefile_<version>-1_<arch>.deb
#   sudo apt install ./target/debian/casefile_*.deb
#
# Needs cargo-deb (`cargo install cargo-deb --locked`; installed here when
# missing, from crates.io).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked
cargo build --release --locked -p casefile --bin casefile
# Where the package metadata (crates/cli/Cargo.toml) looks for them.
bash packaging/assets.sh target/release/packaging target/release/casefile
cargo deb -p casefile --no-build --locked "$@"
