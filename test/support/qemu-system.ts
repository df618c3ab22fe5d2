// Simulated bare metal for the qemu lab (docs/lab-in-a-box.md): a real BMC (ipmi_sim, see
// ipmi-sim.ts) whose "system" is a qemu VM. Powered on through IPMI, the VM's iPXE ROM
// boots from the lab controller's TFTP root through the chain script, as a lab's DHCP would
// send it; powered off, ipmi_sim kills qemu. The guest reaches only this machine:
// `restrict=on` plus one forwarding rule, 10.0.2.100:8000 → the lab controller's harness API.
// The rule runs `socat` per guest connection: a `tcp:` chardev target would be one host
// connection shared by all the guest's connections, and HTTP keep-alive through it hangs.
import { chmod, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBmc, type Bmc } from './ipmi-sim.js';

/** Where a guest finds the lab controller (`bootHarnessUrl` of the qemu lab's lab controller). */
export const GUEST_HARNESS_URL = 'http://10.0.2.100:8000/';
export const CHAIN_SCRIPT = 'boot.ipxe';

export interface QemuSystemOptions {
  /** Names the files in `dir`. */
  name: string;
  mac: string;
  /** The lab controller's TFTP root (qemu's built-in TFTP server serves it). */
  tftpRoot: string;
  /** The harness API's port on 127.0.0.1. */
  harnessPort: number;
  dir: string;
  user: string;
  password: string;
  /** Guest memory: the initramfs (Node alone is 100 MB) unpacks into it. */
  memoryMb?: number;
}

export interface QemuSystem {
  bmc: Bmc;
  /** The serial console, appended across power cycles and reboots. */
  consoleLog: string;
}

/**
 * Writes the chain script the lab's DHCP would name as boot file: it loads the lab
 * controller's iPXE entry for the booting NIC (`ipxe/<mac without colons>`), else the
 * local-boot default.
 */
export async function writeChainScript(tftpRoot: string): Promise<void> {
  await writeFile(
    join(tftpRoot, CHAIN_SCRIPT),
    '#!ipxe\nchain ipxe/${net0/mac:hexraw} || chain ipxe/default\n',
  );
}

export async function startQemuSystem(options: QemuSystemOptions): Promise<QemuSystem> {
  const consoleLog = join(options.dir, `${options.name}.console.log`);
  const disk = join(options.dir, `${options.name}.disk`);
  // A sparse 32 MiB disk; the image's init formats it on first use.
  const handle = await open(disk, 'w');
  await handle.truncate(32 * 1024 * 1024);
  await handle.close();
  const netdev = [
    'user,id=n0,restrict=on',
    `tftp=${options.tftpRoot}`,
    `bootfile=${CHAIN_SCRIPT}`,
    `guestfwd=tcp:10.0.2.100:8000-cmd:socat - TCP:127.0.0.1:${String(options.harnessPort)}`,
  ].join(',');
  const qemu = [
    'qemu-system-x86_64',
    '-machine pc',
    `-m ${String(options.memoryMb ?? 1024)}`,
    '-nodefaults -no-user-config -display none -monitor none',
    // Appended, so a power cycle (a new qemu) keeps the earlier boots' output.
    `-chardev file,id=console,path=${consoleLog},append=on -serial chardev:console`,
    '-boot n',
    `-device e1000,netdev=n0,mac=${options.mac}`,
    `-netdev '${netdev}'`,
    `-drive file=${disk},format=raw,if=virtio`,
  ].join(' ');
  // ipmi_sim runs its startcmd through /bin/sh; a script keeps qemu's arguments out of its
  // quoting. exec, so the SIGTERM of a power-off reaches qemu itself.
  const script = join(options.dir, `${options.name}.start-vm.sh`);
  await writeFile(script, `#!/bin/sh\nexec ${qemu} 2>>${consoleLog}.qemu-errors\n`);
  await chmod(script, 0o755);
  const bmc = await startBmc({ user: options.user, password: options.password, startCommand: script });
  return { bmc, consoleLog };
}
