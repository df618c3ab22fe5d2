#!/bin/sh
# Passes, saying where it ran.
echo "pass: task $TASKID of R:$RECIPEID on $(uname -n), kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU(s)"
rstrnt-report-result "$RSTRNT_TASKNAME" PASS 1
