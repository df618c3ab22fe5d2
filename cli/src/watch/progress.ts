/** Text for job-watch: the live TTY frame and the plain change log. Pure functions only. */
import type { Result, Status, TaskCounters } from '../../../common/src/domain/status.js';

export interface JobProgress {
  id: string;
  status: Status;
  result: Result;
  counters: TaskCounters;
}

/** Tasks that have finished, whatever their result (Beaker's n+p+w+f+k counters). */
export function finishedTasks(counters: TaskCounters): number {
  return counters.ntasks + counters.ptasks + counters.wtasks + counters.ftasks + counters.ktasks;
}

/**
 * `J:3 Running (2/5 tasks)`; once the job has a result other than New it is named too:
 * `J:3 Completed Fail (5/5 tasks)`.
 */
export function plainLine(job: JobProgress): string {
  const result = job.result === 'New' ? '' : ` ${job.result}`;
  return `${job.id} ${job.status}${result} (${finishedTasks(job.counters)}/${job.counters.ttasks} tasks)`;
}

const BAR_WIDTH = 10;
// Widest status ("Installing") and result ("Panic"), so columns line up across jobs.
const STATUS_WIDTH = 10;
const RESULT_WIDTH = 5;

/** `J:3  Running     Fail   [####------]  2/5  n:0 p:1 w:0 f:1 k:0` */
export function progressLine(job: JobProgress, idWidth: number): string {
  const { counters } = job;
  const done = finishedTasks(counters);
  const filled = counters.ttasks === 0 ? 0 : Math.round((done / counters.ttasks) * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const tally =
    `n:${counters.ntasks} p:${counters.ptasks} w:${counters.wtasks} ` +
    `f:${counters.ftasks} k:${counters.ktasks}`;
  return [
    job.id.padEnd(idWidth),
    job.status.padEnd(STATUS_WIDTH),
    job.result.padEnd(RESULT_WIDTH),
    bar,
    `${done}/${counters.ttasks}`.padStart(7),
    tally,
  ].join('  ');
}

const CURSOR_UP = (lines: number): string => `\x1b[${lines}A`;
const CLEAR_LINE = '\r\x1b[2K';

/**
 * One redraw of the live display: moves the cursor back over the previous frame
 * (`previousLines` long) and rewrites every line. Lines are cut to the terminal width,
 * because a wrapped line would make the next cursor-up land in the wrong place.
 */
export function renderFrame(jobs: readonly JobProgress[], previousLines: number, columns?: number): string {
  const idWidth = Math.max(0, ...jobs.map((job) => job.id.length));
  const limit = columns && columns > 1 ? columns - 1 : Infinity;
  let frame = previousLines > 0 ? CURSOR_UP(previousLines) : '';
  for (const job of jobs) frame += `${CLEAR_LINE}${progressLine(job, idWidth).slice(0, limit)}\n`;
  return frame;
}
