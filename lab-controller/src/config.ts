import { hostname } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { loadConfig, LogLevel } from '../../common/src/config-validation.js';
import { ErlenError } from '../../common/src/errors.js';
import { repoRoot } from '../../common/src/repo-root.js';

/**
 * Lab controller configuration: an optional JSON file (ERLEN_LC_CONFIG_FILE, e.g.
 * /etc/erlen/lab-controller.json) overlaid by environment variables, validated at start.
 */
export const LabControllerConfigSchema = Type.Object({
  /** The central server's base URL. */
  serverUrl: Type.String({ pattern: '^https?://' }),
  /** The lab controller account's API token (from POST /labcontrollers). */
  token: Type.String({ minLength: 1 }),
  /** Where netboot files go; the lab's TFTP server serves this directory. */
  tftpRoot: Type.String({ minLength: 1 }),
  /** Site power scripts that override the built-in ones of the same name (Beaker: /etc/beaker/power-scripts). */
  powerScriptsDir: Type.Optional(Type.String({ minLength: 1 })),
  /** State directory of the `virtual` power type (simulated systems). */
  virtualPowerDir: Type.Optional(Type.String({ minLength: 1 })),
  /** The harness bundle installers download from the harness API (default: this checkout's build). */
  harnessBundle: Type.String({ minLength: 1 }),
  /**
   * The harness bundle that the simulated machines behind the `virtual` power type run when
   * they netboot a live image (the Quick start's lab); unset, virtual power only keeps state.
   */
  simulatedHarness: Type.Optional(Type.String({ minLength: 1 })),
  /** The task library (Beaker's /mnt/tests) the simulated machines' harness finds tasks in. */
  simulatedTaskRoot: Type.Optional(Type.String({ minLength: 1 })),
  /** How long one poll may wait on the server for new commands. */
  pollWaitSeconds: Type.Integer({ minimum: 0, maximum: 30 }),
  /** Tries per power command before it fails (Beaker's POWER_ATTEMPTS). */
  powerAttempts: Type.Integer({ minimum: 1, maximum: 20 }),
  /** Back-off base: try n waits a random time between base·2^(n-1) and base·2^n. */
  retryBaseMs: Type.Integer({ minimum: 1 }),
  /** One power script's time limit. */
  powerTimeoutSeconds: Type.Integer({ minimum: 1 }),
  /** Where harnesses' logs are stored (Beaker's CACHEPATH); served back by the harness API. */
  logDir: Type.String({ minLength: 1 }),
  /** The harness API (Beaker's beaker-proxy) listens here. */
  harnessHost: Type.String({ minLength: 1 }),
  harnessPort: Type.Integer({ minimum: 0, maximum: 65535 }),
  /** The harness API's base URL as systems and users reach it; default http://<hostname>:<port>. */
  harnessUrl: Type.String({ pattern: '^https?://' }),
  /**
   * The harness API's URL as booted systems reach it, when that differs from harnessUrl (a
   * NAT, or the qemu lab's guest forwarding): what a live image's `erlen.lc=` says.
   */
  bootHarnessUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  logLevel: LogLevel,
});
export type LabControllerConfig = Static<typeof LabControllerConfigSchema>;

const envNames: Record<keyof LabControllerConfig, string> = {
  serverUrl: 'ERLEN_SERVER_URL',
  token: 'ERLEN_LC_TOKEN',
  tftpRoot: 'ERLEN_TFTP_ROOT',
  powerScriptsDir: 'ERLEN_POWER_SCRIPTS_DIR',
  virtualPowerDir: 'ERLEN_VIRTUAL_POWER_DIR',
  harnessBundle: 'ERLEN_HARNESS_BUNDLE',
  simulatedHarness: 'ERLEN_SIMULATED_HARNESS',
  simulatedTaskRoot: 'ERLEN_SIMULATED_TASK_ROOT',
  pollWaitSeconds: 'ERLEN_LC_POLL_WAIT_SECONDS',
  powerAttempts: 'ERLEN_POWER_ATTEMPTS',
  retryBaseMs: 'ERLEN_LC_RETRY_BASE_MS',
  powerTimeoutSeconds: 'ERLEN_POWER_TIMEOUT_SECONDS',
  logDir: 'ERLEN_LC_LOG_DIR',
  harnessHost: 'ERLEN_HARNESS_HOST',
  harnessPort: 'ERLEN_HARNESS_PORT',
  harnessUrl: 'ERLEN_HARNESS_URL',
  bootHarnessUrl: 'ERLEN_BOOT_HARNESS_URL',
  logLevel: 'ERLEN_LOG_LEVEL',
};

const defaults: Partial<LabControllerConfig> = {
  pollWaitSeconds: 25,
  powerAttempts: 5,
  retryBaseMs: 1000,
  powerTimeoutSeconds: 300,
  harnessHost: '0.0.0.0',
  harnessPort: 8000,
  logLevel: 'info',
};

export function loadLabControllerConfig(env: NodeJS.ProcessEnv = process.env): LabControllerConfig {
  const config = loadConfig({
    schema: LabControllerConfigSchema,
    envNames,
    defaults,
    env,
    file: env.ERLEN_LC_CONFIG_FILE,
    complete(merged) {
      merged.harnessUrl ??= `http://${hostname()}:${String(merged.harnessPort)}`;
      merged.harnessBundle ??= join(repoRoot(), 'dist', 'harness', 'erlen-harness.mjs');
    },
  });
  if (config.simulatedHarness && (!config.virtualPowerDir || !config.simulatedTaskRoot))
    throw new ErlenError(
      'CONFIG_INVALID',
      `${envNames.simulatedHarness} needs ${envNames.virtualPowerDir} and ${envNames.simulatedTaskRoot}`,
    );
  return config;
}
