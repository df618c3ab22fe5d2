#!/usr/bin/env bash
# Starts PostgreSQL and Redis on 127.0.0.1 unless they already answer, then waits (bounded) until
# they do. Safe to run any number of times.
set -euo pipefail

WAIT_SECONDS="${ERLEN_SERVICE_WAIT_SECONDS:-30}"

pg_answers() { pg_isready -q -h 127.0.0.1; }
redis_answers() { [ "$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = PONG ]; }

wait_for() {
  local name=$1 check=$2 deadline=$((SECONDS + WAIT_SECONDS))
  until "$check"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "ensure-services: $name did not answer on 127.0.0.1 within ${WAIT_SECONDS}s" >&2
      return 1
    fi
    sleep 0.5
  done
}

if ! pg_answers; then
  echo "ensure-services: starting PostgreSQL" >&2
  for version in $(ls /etc/postgresql); do
    # "already running" exits non-zero; the readiness wait below is what decides.
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
fi

if ! redis_answers; then
  echo "ensure-services: starting Redis" >&2
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

wait_for PostgreSQL pg_answers
wait_for Redis redis_answers
