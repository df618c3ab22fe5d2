#!/usr/bin/env bash
# Installs the Debian packages Erlen's lab and tests drive for real, when they are missing:
# PostgreSQL and Redis; the BMC simulator (openipmi's ipmi_sim) that the lab controller's
# power tests reach through ipmitool; qemu with iPXE, and what the qemu lab's live image is
# built from (docs/lab-in-a-box.md). Cheap when everything is there.
set -euo pipefail

missing=()
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v ipmitool >/dev/null || missing+=(ipmitool)
command -v ipmi_sim >/dev/null || missing+=(openipmi)
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
[ -e /usr/lib/ipxe/qemu/efi-e1000.rom ] || missing+=(ipxe-qemu)
# The live image needs a static busybox (a dynamic one would need its libraries in the image).
{ [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
command -v depmod >/dev/null || missing+=(kmod)
command -v git >/dev/null || missing+=(git)
# The qemu lab's guests reach the lab controller through one socat per connection.
command -v socat >/dev/null || missing+=(socat)
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
