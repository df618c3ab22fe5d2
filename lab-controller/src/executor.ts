import type { LabCommand } from '../../common/src/api/lab-commands.js';
import { ErlenError } from '../../common/src/errors.js';
import type { CommandExecutor } from './command-runner.js';
import { kernelOptionsForBoot } from './netboot/harness-options.js';
import { clearNetboot, configureNetboot } from './netboot/netboot.js';
import { runPowerScript, type PowerMode } from './power/power.js';
import type { SimulatedMachines } from './simulated/simulated-machines.js';

export interface LabExecutorOptions {
  tftpRoot: string;
  powerScriptsDir?: string;
  virtualPowerDir?: string;
  powerTimeoutSeconds: number;
  /** The harness API's URL as systems reach it: a live image's harness is pointed at it. */
  harnessUrl: string;
  /** The machines behind `virtual` power, when this lab simulates them. */
  simulated?: SimulatedMachines;
}

/** The lab's side of each command action (Beaker's beaker-provision dispatch). */
export class LabExecutor implements CommandExecutor {
  constructor(private readonly options: LabExecutorOptions) {}

  async execute(command: LabCommand): Promise<void> {
    switch (command.action) {
      case 'on':
      case 'off':
      case 'interrupt':
        return this.power(command, command.action);
      case 'reboot':
        // Legacy action: the server splits reboots itself, but a queued one still works.
        await this.power(command, 'off');
        return this.power(command, 'on');
      case 'configure_netboot':
        if (!command.netboot)
          throw new ErlenError('BAD_REQUEST', `no distro tree images for ${command.fqdn} in this lab`);
        await this.options.simulated?.wipeDisk(command.fqdn);
        return configureNetboot(this.options.tftpRoot, {
          fqdn: command.fqdn,
          macAddress: command.macAddress,
          ipAddress: command.ipAddress,
          ...command.netboot,
          kernelOptions: kernelOptionsForBoot(command.netboot, this.options.harnessUrl),
        });
      case 'clear_netboot':
        return clearNetboot(this.options.tftpRoot, command);
      case 'clear_logs':
        // Console logs are not captured yet (no conserver integration): nothing to clear.
        return;
    }
  }

  private async power(command: LabCommand, mode: PowerMode): Promise<void> {
    if (!command.power) throw new ErlenError('BAD_REQUEST', `${command.fqdn} has no power settings`);
    await runPowerScript(command.power, mode, {
      siteScriptsDir: this.options.powerScriptsDir,
      timeoutMs: this.options.powerTimeoutSeconds * 1000,
      env: this.options.virtualPowerDir ? { ERLEN_VIRTUAL_POWER_DIR: this.options.virtualPowerDir } : {},
    });
    const simulated = command.power.type === 'virtual' ? this.options.simulated : undefined;
    if (simulated && mode === 'on') await simulated.powerOn(command.fqdn, command.macAddress);
    if (simulated && mode === 'off') await simulated.powerOff(command.fqdn);
  }
}
