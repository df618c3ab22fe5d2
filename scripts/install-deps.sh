#!/usr/bin/env bash
# Installs node_modules at the versions package-lock.json pins.
#
# `npm ci` is tried first, but on our machines it refuses this lock file ("Missing:
# @swc/core-darwin-arm64@ from lock file", and ~30 more): the registry they reach does not
# serve other platforms' optional native binaries, so npm cannot resolve them to check the
# lock. `npm install --no-save` installs the same locked tree and leaves package-lock.json alone.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! npm ci; then
  echo "install-deps: npm ci refused the lock file; installing the locked versions with npm install --no-save" >&2
  npm install --no-save
fi
