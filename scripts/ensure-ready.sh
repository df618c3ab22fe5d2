#!/usr/bin/env bash
# Brings a checkout to the point where tests or the lab can run: dependencies installed, build
# current, PostgreSQL and Redis answering. Cheap when nothing changed (`npm test`'s pretest).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-packages.sh

# npm writes node_modules/.package-lock.json on every install, so it dates the last install.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi

stamp=dist/.build-stamp
sources=(server/src common/src cli/src prisma lab-controller/src harness/src)
existing_sources=()
for dir in "${sources[@]}"; do
  [ -e "$dir" ] && existing_sources+=("$dir")
done
# The generated Prisma client lives under server/src but is an output of the build, not a source.
if [ ! -f "$stamp" ] ||
  [ -n "$(find "${existing_sources[@]}" -path server/src/generated -prune -o -newer "$stamp" -print -quit)" ]; then
  # Stamped with the time the build started, so a file saved during the build triggers the next one.
  mkdir -p dist
  touch "$stamp.pending"
  npm run build
  mv "$stamp.pending" "$stamp"
fi

bash scripts/ensure-services.sh
