#!/usr/bin/env bash
# Compatibility step: reruns every unit test (and the published-package consumers) against the oldest
# Fastify 5 the plugin supports, then puts the locked Fastify back, even when the tests fail.
# Usage: .ci/compat.sh [fastify-version]   (default 5.0.0, the floor of peerDependencies "^5.0.0")
# Exits non-zero when a test fails or the locked tree cannot be restored.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-5.0.0}"
locked=$(node -p "require('./package-lock.json').packages['node_modules/fastify'].version")
install=(npm install --no-save --prefer-offline --no-audit --no-fund --loglevel=error)

restore () {
  echo "::: compat: restoring the locked fastify@${locked}"
  "${install[@]}" "fastify@${locked}"
  # Every installed package must be back at its package-lock.json version.
  node -e '
    const locked = require("./package-lock.json").packages
    const installed = require("./node_modules/.package-lock.json").packages
    const drift = Object.keys(locked).filter((key) => key !== "" && !locked[key].optional &&
      locked[key].version !== installed[key]?.version)
    if (drift.length > 0) {
      console.error("not restored:", drift.join(", "))
      process.exit(1)
    }
  '
}

# The package test packs dist/: build it with the locked Fastify types before switching.
echo "::: compat: build"
npm run build --silent

echo "::: compat: fastify@${version} (locked: ${locked})"
trap restore EXIT
"${install[@]}" "fastify@${version}"
actual=$(node -p "require('fastify/package.json').version")
if [ "$actual" != "$version" ]; then
  echo "installed fastify@${actual}, not ${version}" >&2
  exit 1
fi

log=$(mktemp)
status=0
AJAXUTILS_TEST_FASTIFY="$version" npx tap --disable-coverage 2>&1 | tee "$log" || status=$?
summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -n 1 || true)
rm -f "$log"
echo "::: compat: fastify@${version}: ${summary:-no tap summary} (${SECONDS}s)"
exit "$status"
