#!/usr/bin/env bash
# The app's rooms (ARCHITECTURE.md), checked: run by scripts/test.sh.
# - A screen (a folder under src/ui/ other than widgets/) imports widgets and crate::run, never
#   another screen; a widget imports no screen.
# - The UI never looks at requests to learn what a run does: it renders the core's RunView.
# - No source file in the repository over 500 lines: every `*.rs`, `*.mjs` and `*.js` git knows
#   of or would add (tests and their support included; ignored build output is not source).
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

sources=$(git ls-files --cached --others --exclude-standard -- '*.rs' '*.mjs' '*.js')
if [ -z "$sources" ]; then
  complain "git lists no source file here: the 500-line check would pass by checking nothing"
fi
checked=0
while IFS= read -r file; do
  [ -f "$file" ] || continue # deleted in the work tree, not yet in the index
  checked=$((checked + 1))
  lines=$(wc -l < "$file")
  if [ "$lines" -gt 500 ]; then
    complain "$file has $lines lines (at most 500): split it by what each part does"
  fi
done <<< "$sources"

if [ "$fail" -ne 0 ]; then
  exit 1
fi
echo "check_layout: screens import no other screen, nothing inspects requests, no source file over 500 lines ($checked checked)"
