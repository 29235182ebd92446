#!/usr/bin/env bash
# Compatibility step: reruns every unit test (and the published-package consumers) against the oldest
# Fastify 5 the plugin supports, then puts the locked Fastify back, even when the tests fail.
# Usage: .ci/compat.sh [fastify-version] [test files...]
#   fastify-version  default 5.0.0, the floor of peerDependencies "^5.0.0"
#   test files       default: the whole suite (tap's own selection, as `npx tap` runs it)
# Exits non-zero when a test fails or the locked tree cannot be restored. It changes node_modules:
# run it in a clone of its own, never in a tree where others run tests at the same time.
# A full run takes 1m20s to 1m45s on a 2-core machine: build 5 s, each npm install 2 s, the tests
# the rest (it prints its timings).
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-5.0.0}"
shift || true
locked=$(node -p "require('./package-lock.json').packages['node_modules/fastify'].version")
install=(npm install --no-save --prefer-offline --no-audit --no-fund --loglevel=error)
installed () { node -p "require('fastify/package.json').version"; }

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
  echo "::: compat: locked fastify@${locked} back (${SECONDS}s)"
}

# A run that was killed before it could restore leaves the old Fastify installed; the build below
# needs the locked one (Fastify 5.0's types lack APIs the sources use, such as supportedMethods).
if [ "$(installed)" != "$locked" ]; then
  echo "::: compat: fastify@$(installed) is installed, not the locked ${locked}: restoring it first"
  restore
fi

# The package test packs dist/: build it with the locked Fastify types before switching.
echo "::: compat: build"
npm run build --silent

echo "::: compat: fastify@${version} (locked: ${locked})"
trap restore EXIT
"${install[@]}" "fastify@${version}"
actual=$(installed)
if [ "$actual" != "$version" ]; then
  echo "installed fastify@${actual}, not ${version}" >&2
  exit 1
fi

log=$(mktemp)
status=0
started=$SECONDS
AJAXUTILS_TEST_FASTIFY="$version" npx tap --disable-coverage --reporter=tap "$@" >"$log" || status=$?
awk -f .ci/tap-summary.awk "$log"
summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -n 1 || true)
rm -f "$log"
echo "::: compat: fastify@${version}: ${summary:-no tap summary} (tests $((SECONDS - started))s, ${SECONDS}s so far)"
exit "$status"
