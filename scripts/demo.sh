#!/usr/bin/env bash
# Builds the app and serves it from the tenant emulator's own origin, signed in
# against the `demo` scenario. One certificate warning to accept, then it works.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

PORT="${PORT:-8443}"
trunk build --release
cargo build --quiet -p w365-emulator

# The demo tenant is a "custom cloud" whose three endpoints are path prefixes of
# the emulator's origin, so the page, sign-in and every API share one certificate.
CONFIG=target/demo-config.json
CLIENT_ID=$(node -e 'console.log(JSON.parse(require("fs").readFileSync("crates/emulator/scenarios/demo.json")).spa_apps[0].client_id)')
cat > "$CONFIG" <<JSON
{
  "clientId": "$CLIENT_ID",
  "cloud": "custom",
  "authority": "https://127.0.0.1:$PORT/login",
  "discovery": "https://127.0.0.1:$PORT/disco",
  "graph": "https://127.0.0.1:$PORT/graph"
}
JSON

cat <<TXT

  Open https://127.0.0.1:$PORT/ in Chrome or Edge.
  The browser warns once about the emulator's self-signed certificate: choose
  Advanced → Proceed. Sign in as any user the emulator lists (no password).
  Ctrl-C stops the demo.

TXT
exec target/debug/w365-emulator --scenario demo --port "$PORT" --static dist --app-config "$CONFIG"
