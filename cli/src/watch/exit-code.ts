import type { Result, Status } from '../../../common/src/domain/status.js';
import { EXIT_FAILURE, EXIT_OK } from '../errors.js';

/** Results that make a finished job count as failed; Beaker rolls a cancel up to Warn too. */
export const FAILING_RESULTS: readonly Result[] = ['Warn', 'Fail', 'Panic'];

/**
 * job-watch's verdict: 0 when every job ended Completed with a result that is not
 * Warn/Fail/Panic (so Pass, but also New/None/Skip for jobs whose tasks report nothing);
 * 1 when any job was Cancelled or Aborted, has a failing result, or has not finished.
 */
export function watchExitCode(jobs: readonly { status: Status; result: Result }[]): number {
  const allGood = jobs.every((job) => job.status === 'Completed' && !FAILING_RESULTS.includes(job.result));
  return allGood ? EXIT_OK : EXIT_FAILURE;
}
