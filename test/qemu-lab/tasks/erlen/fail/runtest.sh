#!/bin/sh
# Reports a Fail with a log of its own, as a failing check would.
dir=$(mktemp -d)
echo "expected 42, got 41" >"$dir/check.log"
echo "fail: task $TASKID reports a failure"
rstrnt-report-result -o "$dir/check.log" "$RSTRNT_TASKNAME/check" FAIL 41
