#!/bin/sh
# The Quick start's example task: greets with its GREETING parameter and passes.
echo "${GREETING:-hello} from task $TASKID on $(uname -n)"
rstrnt-report-result "$RSTRNT_TASKNAME/greeting" PASS
