#!/usr/bin/env bash
# Installs axe-core (pinned in hack/axe/package.json and package-lock.json)
# into hack/axe/node_modules for the portal's accessibility tests, with the
# machine's npm, when it is missing; a no-op once installed.
set -euo pipefail
dir=$(cd "$(dirname "$0")/axe" && pwd)
want=$(sed -n 's/^ *"axe-core": "\([0-9.]*\)".*/\1/p' "$dir/package.json")
have=$(sed -n 's/^ *"version": "\([0-9.]*\)".*/\1/p' "$dir/node_modules/axe-core/package.json" 2>/dev/null | head -1 || true)
[ -n "$want" ] && [ "$have" = "$want" ] && exit 0
if ! command -v npm >/dev/null; then
  echo "npm is missing: install it (apt-get install npm), then run \`npm install\` in hack/axe, or make tools again" >&2
  exit 1
fi
echo "installing axe-core $want into hack/axe/node_modules (npm ci)"
(cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
