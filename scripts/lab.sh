#!/usr/bin/env bash
# Quick start: installs what is missing, starts PostgreSQL and Redis, creates the `erlen`
# database, an admin account and a demo lab, writes .erlen/quickstart.env for the CLI, and
# runs the scheduler, the demo lab's lab controller and the server in the foreground
# (Ctrl-C stops them all).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-ready.sh

mkdir -p .erlen
if [ ! -s .erlen/secret.key ]; then
  (umask 077 && node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('hex'))" > .erlen/secret.key)
fi

export ERLEN_HOST="${ERLEN_HOST:-127.0.0.1}"
export ERLEN_PORT="${ERLEN_PORT:-8080}"
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/erlen}"
export ERLEN_SECRET_KEY="${ERLEN_SECRET_KEY:-$(cat .erlen/secret.key)}"
url="http://${ERLEN_HOST}:${ERLEN_PORT}"

db_name="${DATABASE_URL##*/}"
if ! psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '${db_name}'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE \"${db_name}\""
fi

# The demo tree is a live tree whose images are placeholders: the simulated systems behind
# the `virtual` power type netboot it (files written into .erlen/tftp) and run its "kernel",
# the harness, as a process of this host with the tasks in docs/examples/tasks.
tree=.erlen/distros/ErlenLinux-1.0/x86_64
mkdir -p "$tree/images"
[ -f "$tree/images/vmlinuz" ] || echo "placeholder kernel" >"$tree/images/vmlinuz"
[ -f "$tree/images/initrd.img" ] || echo "placeholder initrd" >"$tree/images/initrd.img"
bootstrap=$(node dist/server/src/admin-cli.js bootstrap --username admin --demo-lab \
  --demo-tree-url "file://$PWD/$tree/")
field() { printf '%s' "$bootstrap" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>process.stdout.write(JSON.parse(s)['$1']??''))"; }
token=$(field token)
lab_token=$(field labToken)
(umask 077 && printf 'export ERLEN_URL=%s\nexport ERLEN_TOKEN=%s\n' "$url" "$token" > .erlen/quickstart.env)

cat <<MSG

  Erlen is starting at ${url}
    API docs:      ${url}/docs      (OpenAPI: ${url}/openapi.json)
    Demo lab:      lab1.erlen.test with systems sim1..sim4.lab1.erlen.test (simulated machines)
    Lab controller: netboot files in .erlen/tftp, power states and each machine's console
                    in .erlen/power (machines/<fqdn>/console.log), harness API at
                    http://127.0.0.1:${ERLEN_HARNESS_PORT:-8000} (task logs in .erlen/logs)
    CLI, from another terminal in this folder:
      source .erlen/quickstart.env
      npx erlen system-list
      npx erlen job-submit docs/examples/hello-job.xml --wait
      npx erlen job-results J:1
      npx erlen job-logs J:1

MSG
# The server, the scheduler and the lab controller run side by side; all stop with Ctrl-C,
# a SIGTERM to this script, or when any of them exits. They run in the background so that
# `wait -n` (unlike a foreground child) lets the signal traps run at once.
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
node dist/server/src/scheduler-main.js &
pids+=($!)
if [ -n "$lab_token" ]; then
  mkdir -p .erlen/tftp .erlen/power .erlen/logs
  ERLEN_SERVER_URL="$url" ERLEN_LC_TOKEN="$lab_token" ERLEN_TFTP_ROOT="$PWD/.erlen/tftp" \
    ERLEN_VIRTUAL_POWER_DIR="$PWD/.erlen/power" ERLEN_LC_LOG_DIR="$PWD/.erlen/logs" \
    ERLEN_HARNESS_HOST=127.0.0.1 ERLEN_HARNESS_PORT="${ERLEN_HARNESS_PORT:-8000}" \
    ERLEN_HARNESS_URL="http://127.0.0.1:${ERLEN_HARNESS_PORT:-8000}/" \
    ERLEN_SIMULATED_HARNESS="$PWD/dist/harness/erlen-harness.mjs" \
    ERLEN_SIMULATED_TASK_ROOT="$PWD/docs/examples/tasks" \
    node dist/lab-controller/src/main.js &
  pids+=($!)
fi
node dist/server/src/main.js &
pids+=($!)
wait -n
