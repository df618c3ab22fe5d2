import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readNetbootedKernel } from './boot-entry.js';

/**
 * One simulated machine, powered on by the `virtual` power type (docs/lab-controller.md):
 * its "firmware" netboots what the lab controller wrote for its MAC, and a live image's
 * "kernel" is the harness, run on this host with the image's command line. A reboot
 * (SIGHUP, sent by the harness's reboot command) kills the running system and boots again;
 * power off (SIGTERM) kills it and ends the machine. It is a process of its own, apart from
 * the lab controller, so that a lab controller restart does not power the lab off.
 */
const { values } = parseArgs({
  options: {
    fqdn: { type: 'string' },
    mac: { type: 'string' },
    'tftp-root': { type: 'string' },
    harness: { type: 'string' },
    'task-root': { type: 'string' },
    disk: { type: 'string' },
    console: { type: 'string' },
  },
  strict: true,
});
const { fqdn, mac, harness } = values;
const tftpRoot = values['tftp-root'];
const taskRoot = values['task-root'];
const disk = values.disk;
if (!fqdn || !mac || !tftpRoot || !harness || !taskRoot || !disk || !values.console) {
  console.error(
    'machine: --fqdn, --mac, --tftp-root, --harness, --task-root, --disk and --console are required',
  );
  process.exit(2);
}

const consoleFd = openSync(values.console, 'a');
const say = (line: string) => writeSync(consoleFd, `[machine ${new Date().toISOString()}] ${line}\n`);

let running: ChildProcess | undefined;
let rebootRequested: (() => void) | undefined;

function killSystem(): void {
  // The harness runs in a process group of its own: its tasks go down with it.
  if (running?.pid !== undefined && running.exitCode === null) {
    try {
      process.kill(-running.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

process.on('SIGHUP', () => {
  say('reboot');
  killSystem();
  rebootRequested?.();
});
process.on('SIGTERM', () => {
  say('power off');
  killSystem();
  process.exit(0);
});

/** Boots once; resolves true when the system asked for a reboot, false when it halted. */
async function boot(): Promise<boolean> {
  const entry = await readNetbootedKernel(tftpRoot!, fqdn!, mac!);
  if (!entry?.cmdline.split(/\s+/).some((word: string) => word.startsWith('erlen.recipe='))) {
    say(
      entry
        ? `${entry.kernel} is not a live harness image: nothing to run, halted`
        : 'no netboot entry: halted',
    );
    return false;
  }
  say(`netboot ${entry.kernel} ${entry.cmdline}`);
  const system = spawn(
    process.execPath,
    [
      harness!,
      '--cmdline',
      entry.cmdline,
      '--task-root',
      taskRoot!,
      '--state-dir',
      disk!,
      '--reboot-command',
      `kill -HUP ${String(process.pid)}`,
    ],
    { detached: true, stdio: ['ignore', consoleFd, consoleFd] },
  );
  running = system;
  return new Promise<boolean>((resolve) => {
    rebootRequested = () => resolve(true);
    system.once('error', (error) => {
      say(`cannot start the harness: ${error.message}; halted`);
      resolve(false);
    });
    system.once('exit', (code, signal) => {
      say(`harness exited (${signal ?? String(code)}): halted`);
      resolve(false);
    });
  });
}

for (;;) {
  const reboot = await boot();
  rebootRequested = undefined;
  if (!reboot) break;
}
