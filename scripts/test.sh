#!/usr/bin/env bash
# `npm test`: the whole suite. Unit + API tests run on PGlite and on a real Postgres server (started
# from the machine's binaries unless DATABASE_URL is given); browser tests run `npm start` and drive
# Debian's Chromium. Under CI=true a missing prerequisite fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
echo "▶ unit and API tests (PGlite and Postgres)"
npx vitest run "$@"
echo "▶ browser tests (Chromium)"
npx vitest run --config vitest.browser.config.ts
