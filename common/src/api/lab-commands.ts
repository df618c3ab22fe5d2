/**
 * What a lab controller and the server say to each other about commands (Beaker's
 * get_queued_command_details and mark_command_*), shared so the daemon never imports the
 * server's code.
 */

export const COMMAND_ACTIONS = [
  'on',
  'off',
  'interrupt',
  'reboot',
  'clear_logs',
  'configure_netboot',
  'clear_netboot',
] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];

export const POWER_ACTIONS: readonly CommandAction[] = ['on', 'off', 'interrupt', 'reboot'];

export interface CommandPower {
  type: string;
  address: string;
  id: string;
  user: string;
  /** Decrypted for the lab controller only; never logged. */
  password: string;
}

export interface CommandNetboot {
  arch: string;
  distroTreeId: number;
  kernelUrl: string;
  initrdUrl: string;
  /** Already layered: distro tree, then the system's install options, then the recipe's. */
  kernelOptions: string;
  /** An installer tree boots an installer (kickstart, then the harness); a live one the harness at once. */
  treeKind: 'installer' | 'live';
  /** The recipe being provisioned: a live image's harness learns it from the kernel command line. */
  recipeId: number | null;
  /** An installer fetches its kickstart by it (`ks=<harness API>/kickstart/<id>`). */
  installationId: number | null;
}

export interface LabCommand {
  id: number;
  action: CommandAction;
  systemId: number;
  fqdn: string;
  macAddress: string | null;
  ipAddress: string | null;
  /** Seconds to wait before running (delay_until). */
  delaySeconds: number;
  /** Seconds to leave between this command and the previous one on the system (power only). */
  quiescentPeriod: number | null;
  /** Set for on, off, interrupt and reboot. */
  power?: CommandPower;
  /** Set for configure_netboot. */
  netboot?: CommandNetboot;
}

export interface CommandPollRequest {
  /** Commands the lab controller already holds (queued behind others or running). */
  held: number[];
  /** Seconds to wait for a new command when there is none (0: answer at once). */
  waitSeconds: number;
}

export interface CommandPollResponse {
  commands: LabCommand[];
}

export interface CommandFailure {
  message: string;
  /** False for failures that say nothing about the system (an image download, say). */
  systemBroken: boolean;
}
