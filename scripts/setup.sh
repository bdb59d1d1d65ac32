#!/usr/bin/env bash
# Installs what the build and the tests need, skipping what is already there.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again.
# Everything comes from rustup, crates.io, Debian and npm: nothing else is reached.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# The wasm-bindgen CLI must match the crate in Cargo.lock exactly (pinned in Cargo.toml;
# trunk takes the same version from Cargo.lock).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}
TRUNK_VERSION=0.21.14
# Formats the inside of view! macros; scripts/test.sh checks it.
LEPTOSFMT_VERSION=0.1.33

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing Debian's chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

WBG=$(wasm_bindgen_version)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WBG" ]; then
  say "installing wasm-bindgen-cli $WBG (about 3 minutes, once)"
  cargo install --locked --quiet wasm-bindgen-cli --version "=$WBG"
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (about 11 minutes, once)"
  cargo install --locked --quiet trunk --version "=$TRUNK_VERSION"
fi

if [ "$(leptosfmt --version 2>/dev/null | awk '{print $2}')" != "$LEPTOSFMT_VERSION" ]; then
  say "installing leptosfmt $LEPTOSFMT_VERSION (a few minutes, once)"
  cargo install --locked --quiet leptosfmt --version "=$LEPTOSFMT_VERSION"
fi

# npm ci only when package-lock.json changed since the last install.
LOCK_HASH=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.w365-lock-hash 2>/dev/null)" != "$LOCK_HASH" ]; then
  say "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$LOCK_HASH" > node_modules/.w365-lock-hash
fi

# binaryen's wasm-opt from npm must win over any other on PATH (Debian's is broken
# for our output), and trunk must use the tools installed above, never download.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export CHROMEDRIVER=/usr/bin/chromedriver

node js/bundle.mjs
