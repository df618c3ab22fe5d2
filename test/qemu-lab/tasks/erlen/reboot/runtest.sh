#!/bin/sh
# Reboots the system once, then passes: REBOOTCOUNT is how it knows which run this is.
echo "reboot: run $REBOOTCOUNT of task $TASKID, uptime $(cut -d' ' -f1 /proc/uptime) s"
if [ "$REBOOTCOUNT" -eq 0 ]; then
  rstrnt-report-result "$RSTRNT_TASKNAME/before-reboot" PASS
  rstrnt-reboot
  echo "reboot: still running after rstrnt-reboot" >&2
  exit 1
fi
rstrnt-report-result "$RSTRNT_TASKNAME/after-reboot" PASS "$REBOOTCOUNT"
