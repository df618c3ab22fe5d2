#!/usr/bin/env bash
# Installs the Debian packages Erlen's lab and tests drive for real, when they are missing:
# PostgreSQL and Redis, and the BMC simulator (openipmi's ipmi_sim) that the lab controller's
# power tests reach through ipmitool. Cheap when everything is there.
set -euo pipefail

missing=()
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v ipmitool >/dev/null || missing+=(ipmitool)
command -v ipmi_sim >/dev/null || missing+=(openipmi)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
if [[ " ${missing[*]} " == *" postgresql "* ]]; then
  # Tests connect as `postgres` without a password, as they do on the project's machines.
  for hba in /etc/postgresql/*/main/pg_hba.conf; do
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' >"$hba"
    version=$(basename "$(dirname "$(dirname "$hba")")")
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
  done
fi
