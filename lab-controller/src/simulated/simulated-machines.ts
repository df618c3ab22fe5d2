import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../../../common/src/repo-root.js';
import { assertSafeFqdn } from '../netboot/system-names.js';

export interface SimulatedMachinesOptions {
  tftpRoot: string;
  /** Per machine: its process id, its console log and its "disk" (the harness's state). */
  stateDir: string;
  /** The harness bundle a live image runs (dist/harness/erlen-harness.mjs). */
  harnessPath: string;
  /** The task library (Beaker's /mnt/tests) the simulated machines see. */
  taskRoot: string;
}

/**
 * The machines behind the `virtual` power type, for labs without hardware: power on starts
 * a simulated machine process (machine-main.ts) that netboots what this lab controller wrote,
 * power off ends it, and provisioning wipes its disk as an installation would.
 */
export class SimulatedMachines {
  constructor(private readonly options: SimulatedMachinesOptions) {}

  async powerOn(fqdn: string, mac: string | null): Promise<void> {
    const dir = this.machineDir(fqdn);
    if (isRunning(await this.pid(fqdn))) return; // already on
    if (!mac) return; // nothing to netboot with: it sits at its firmware
    await mkdir(join(dir, 'disk'), { recursive: true });
    const machine = spawn(
      process.execPath,
      [
        machineMain(),
        '--fqdn',
        fqdn,
        '--mac',
        mac,
        '--tftp-root',
        this.options.tftpRoot,
        '--harness',
        this.options.harnessPath,
        '--task-root',
        this.options.taskRoot,
        '--disk',
        join(dir, 'disk'),
        '--console',
        join(dir, 'console.log'),
      ],
      { detached: true, stdio: 'ignore' },
    );
    machine.unref();
    await writeFile(join(dir, 'pid'), `${String(machine.pid)}\n`);
  }

  async powerOff(fqdn: string): Promise<void> {
    const pid = await this.pid(fqdn);
    if (!isRunning(pid)) return;
    signalGroup(pid!, 'SIGTERM');
    // The machine kills what it runs and exits at once; a stuck one is killed outright.
    const deadline = Date.now() + 5000;
    while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (isRunning(pid)) signalGroup(pid!, 'SIGKILL');
    await rm(join(this.machineDir(fqdn), 'pid'), { force: true });
  }

  /** A new installation starts from an empty disk. */
  async wipeDisk(fqdn: string): Promise<void> {
    await rm(join(this.machineDir(fqdn), 'disk'), { recursive: true, force: true });
  }

  consoleLog(fqdn: string): string {
    return join(this.machineDir(fqdn), 'console.log');
  }

  private machineDir(fqdn: string): string {
    assertSafeFqdn(fqdn);
    return join(this.options.stateDir, 'machines', fqdn);
  }

  private async pid(fqdn: string): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(join(this.machineDir(fqdn), 'pid'), 'utf8')).trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The compiled machine process: from source (tests) too, since it is started with plain node. */
function machineMain(): string {
  const built = join(repoRoot(), 'dist', 'lab-controller', 'src', 'simulated', 'machine-main.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build`);
  return built;
}

/** Alive and not a zombie waiting to be reaped (a process we did not start, after a restart). */
function isRunning(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${String(pid)}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
