#!/usr/bin/env bash
# The app's rooms (ARCHITECTURE.md), checked: run by scripts/test.sh.
# - A screen (a folder under src/ui/ other than widgets/) imports widgets and crate::run, never
#   another screen; a widget imports no screen.
# - The UI never looks at requests to learn what a run does: it renders the core's RunView.
# - No Rust source file of the app (src/, crates/wasm-split) over 500 lines; the core checks its
#   own (crates/core/tests/module_shape.rs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail=0
complain() { printf 'check_layout: %s\n' "$*" >&2; fail=1; }

for dir in src/ui/*/; do
  room=$(basename "$dir")
  while IFS= read -r file; do
    # Every `crate::ui::X` and `super::super::X` (X is then a sibling of this room).
    while IFS= read -r hit; do
      target=${hit##*::}
      if [ "$target" = "{" ]; then
        complain "$file: write one \`use\` per room instead of \`${hit}…}\` (so this check can read it)"
      elif [ "$room" = widgets ] && [ "$target" != widgets ]; then
        complain "$file: a widget imports ${hit} (widgets import no screen)"
      elif [ "$target" != "$room" ] && [ "$target" != widgets ]; then
        complain "$file: the $room screen imports ${hit} (another screen); share it through ui/widgets or crate::run"
      fi
    done < <(grep -oE '(crate::ui|super::super)::(\{|[a-z_]+)' "$file" || true)
  done < <(find "$dir" -name '*.rs')
done

if grep -rn 'isdisabled' src/; then
  complain "src/ looks into request bodies (isdisabled): render the core's RunView instead"
fi

while IFS= read -r file; do
  lines=$(wc -l < "$file")
  if [ "$lines" -gt 500 ]; then
    complain "$file has $lines lines (at most 500): split it by what each part does"
  fi
done < <(find src crates/wasm-split/src -name '*.rs')

if [ "$fail" -ne 0 ]; then
  exit 1
fi
echo "check_layout: screens import no other screen, nothing inspects requests, no file over 500 lines"
