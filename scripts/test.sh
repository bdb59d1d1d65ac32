#!/usr/bin/env bash
# Runs every test tier: native (core, emulator), wasm-bindgen-test in Chromium,
# then the production build end to end in Chromium against the emulator.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

step "format, lints and layout"
cargo fmt --all --check
leptosfmt --quiet --check src tests
bash scripts/check_layout.sh
cargo clippy --quiet -p w365-core -p w365-emulator -p w365-wasm-split --all-targets -- -D warnings
cargo clippy --quiet -p w365-appuser --target wasm32-unknown-unknown --all-targets -- -D warnings

step "native tests (core, emulator)"
cargo test -p w365-core -p w365-emulator

step "wasm-bindgen tests in Chromium"
cargo test -p w365-appuser --target wasm32-unknown-unknown

step "production build"
trunk build --release
node js/extension.mjs
cargo build --quiet -p w365-emulator
# Issue 11's budget: what the sign-in screen downloads, 150 KB gzip (BENCHMARKS.md).
node bench/size.mjs --budget-kb 150

step "end-to-end in Chromium against the emulator"
node --test --test-concurrency=1 e2e/
