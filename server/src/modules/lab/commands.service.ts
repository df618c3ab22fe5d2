/**
 * The server's half of the lab controller's command queue (Beaker's
 * get_queued_command_details, mark_command_running/completed/failed, clear_running_commands).
 * Status changes are conditional updates: a stale report (a command already finished, or of
 * another lab) is refused with 409 instead of overwriting what happened.
 */
import type { CommandAction, CommandFailure, LabCommand } from '../../../../common/src/api/lab-commands.js';
import { ErlenError } from '../../../../common/src/errors.js';
import { formatKernelOptions, layerKernelOptions } from '../../../../common/src/domain/kernel-options.js';
import type { Db, Prisma } from '../../db/prisma.js';
import type { SchedulerEvents } from '../../events/scheduler-events.js';
import { stop } from '../jobs/job-lifecycle.js';
import type { Actor } from '../../security/actor.js';
import type { SecretBox } from '../../security/secret-box.js';
import { extendLabWatchdogs } from '../../watchdog/kill-time-shift.js';

/** Beaker's initial watchdog after power-on: the first task's expected time plus 30 minutes. */
const WATCHDOG_MARGIN_SECONDS = 30 * 60;
/** The task library's default expected time (task.avg_time). */
const DEFAULT_TASK_SECONDS = 1200;
const POLL_LIMIT = 500;

export interface LabIdentity {
  id: number;
  fqdn: string;
}

/** The lab controller the caller authenticates as (its service account), or 403. */
export async function labOfActor(db: Db, actor: Actor): Promise<LabIdentity> {
  const lab =
    actor.kind === 'labcontroller'
      ? await db.labController.findUnique({
          where: { userId: actor.userId },
          select: { id: true, fqdn: true, removedAt: true },
        })
      : null;
  if (!lab || lab.removedAt)
    throw new ErlenError('FORBIDDEN', 'only a lab controller’s own account may do this');
  return { id: lab.id, fqdn: lab.fqdn };
}

/**
 * Records the poll (last_seen_at). A lab controller that was offline is back: the scheduler
 * must re-read labs to give its systems work again, so it is told, and its recipes' watchdogs
 * get the outage back (their harnesses reach us through it).
 */
export async function markLabSeen(
  db: Db,
  lab: LabIdentity,
  offlineAfterMs: number,
  events: SchedulerEvents,
  now = new Date(),
): Promise<void> {
  const before = await db.labController.findUniqueOrThrow({
    where: { id: lab.id },
    select: { lastSeenAt: true },
  });
  const silentMs = before.lastSeenAt ? now.getTime() - before.lastSeenAt.getTime() : 0;
  const cameBack = silentMs > offlineAfterMs;
  // Before the lab counts as seen: until then the watchdog sweeper leaves its recipes alone.
  if (cameBack) await extendLabWatchdogs(db, lab.id, silentMs);
  await db.labController.update({ where: { id: lab.id }, data: { lastSeenAt: now } });
  if (cameBack) await events.inventoryChanged();
}

/** A held poll's heartbeat: the lab is still there (it cannot have been offline meanwhile). */
export async function touchLab(db: Db, lab: LabIdentity, now = new Date()): Promise<void> {
  await db.labController.update({ where: { id: lab.id }, data: { lastSeenAt: now } });
}

const commandInclude = {
  system: {
    select: {
      fqdn: true,
      macAddress: true,
      ipAddress: true,
      power: true,
      provisions: { select: { archId: true, osMajorId: true, osVersionId: true, kernelOptions: true } },
    },
  },
  installation: {
    select: {
      id: true,
      kernelOptions: true,
      recipeId: true,
      distroTree: {
        select: {
          id: true,
          archId: true,
          kind: true,
          kernelOptions: true,
          arch: { select: { name: true } },
          distro: { select: { osVersionId: true, osVersion: { select: { osMajorId: true } } } },
          images: { select: { imageType: true, path: true } },
          labUrls: { select: { labControllerId: true, url: true } },
        },
      },
    },
  },
} satisfies Prisma.CommandInclude;
type CommandRow = Prisma.CommandGetPayload<{ include: typeof commandInclude }>;

/** Queued commands of the lab that the lab controller does not hold yet, oldest first. */
export async function queuedCommands(
  db: Db,
  secrets: SecretBox,
  lab: LabIdentity,
  held: readonly number[],
  now = new Date(),
): Promise<LabCommand[]> {
  const rows = await db.command.findMany({
    where: { labControllerId: lab.id, status: 'Queued', id: { notIn: [...held] } },
    include: commandInclude,
    orderBy: { id: 'asc' },
    take: POLL_LIMIT,
  });
  return rows.map((row) => commandDetail(row, lab, secrets, now));
}

function commandDetail(row: CommandRow, lab: LabIdentity, secrets: SecretBox, now: Date): LabCommand {
  const command: LabCommand = {
    id: row.id,
    action: row.action,
    systemId: row.systemId,
    fqdn: row.system.fqdn,
    macAddress: row.system.macAddress,
    ipAddress: row.system.ipAddress,
    delaySeconds: row.delayUntil
      ? Math.max(0, Math.ceil((row.delayUntil.getTime() - now.getTime()) / 1000))
      : 0,
    quiescentPeriod: row.quiescentPeriod,
  };
  const power = row.system.power;
  if (['on', 'off', 'interrupt', 'reboot'].includes(row.action) && power) {
    command.power = {
      type: power.powerType,
      address: power.address,
      id: power.powerId,
      user: power.user,
      password: power.passwordEncrypted ? secrets.open(power.passwordEncrypted) : '',
    };
  }
  if (row.action === 'configure_netboot' && row.installation?.distroTree) {
    command.netboot = netbootDetail(row, row.installation.distroTree, lab);
  }
  return command;
}

/** The lab's own copy of a tree, over HTTP where it has one. */
export function labTreeUrl(
  urls: readonly { labControllerId: number; url: string }[],
  labId: number,
): string | undefined {
  const own = urls.filter((u) => u.labControllerId === labId).map((u) => u.url);
  return own.find((u) => /^https?:/.test(u)) ?? own[0];
}

type TreeRow = NonNullable<NonNullable<CommandRow['installation']>['distroTree']>;

function netbootDetail(row: CommandRow, tree: TreeRow, lab: LabIdentity): LabCommand['netboot'] {
  // The lab's own copy of the tree, over HTTP where it has one (the boot loader fetches
  // images over TFTP from the lab controller, which downloads them from here).
  const base = labTreeUrl(tree.labUrls, lab.id);
  const kernel = tree.images.find((i) => i.imageType === 'kernel');
  const initrd = tree.images.find((i) => i.imageType === 'initrd');
  if (!base || !kernel || !initrd) return undefined;
  const join = (path: string) => new URL(path, base.endsWith('/') ? base : `${base}/`).toString();
  // Beaker's install options, most specific scope last: the system's for this OS version,
  // else this OS major, else the arch alone.
  const osVersionId = tree.distro.osVersionId;
  const osMajorId = tree.distro.osVersion.osMajorId;
  const provisions = row.system.provisions.filter((p) => p.archId === tree.archId);
  const provision =
    provisions.find((p) => p.osVersionId === osVersionId) ??
    provisions.find((p) => p.osVersionId === null && p.osMajorId === osMajorId) ??
    provisions.find((p) => p.osVersionId === null && p.osMajorId === null);
  const options = layerKernelOptions(
    tree.kernelOptions,
    provision?.kernelOptions ?? '',
    row.installation?.kernelOptions ?? '',
  );
  return {
    arch: tree.arch.name,
    distroTreeId: tree.id,
    kernelUrl: join(kernel.path),
    initrdUrl: join(initrd.path),
    kernelOptions: formatKernelOptions(options),
    treeKind: tree.kind,
    recipeId: row.installation?.recipeId ?? null,
    installationId: row.installation?.id ?? null,
  };
}

async function changeStatus(
  db: Db | Prisma.TransactionClient,
  lab: LabIdentity,
  id: number,
  from: 'Queued' | 'Running',
  data: Prisma.CommandUpdateManyMutationInput,
): Promise<void> {
  const { count } = await db.command.updateMany({
    where: { id, labControllerId: lab.id, status: from },
    data,
  });
  if (count === 1) return;
  const current = await db.command.findFirst({
    where: { id, labControllerId: lab.id },
    select: { status: true },
  });
  if (!current) throw new ErlenError('NOT_FOUND', `no command ${id} in lab ${lab.fqdn}`);
  throw new ErlenError('CONFLICT', `command ${id} is ${current.status}, not ${from}`);
}

export async function markRunning(db: Db, lab: LabIdentity, id: number, now = new Date()): Promise<void> {
  await changeStatus(db, lab, id, 'Queued', { status: 'Running', startTime: now });
}

/**
 * A completed `on` of a provisioning is the moment the system boots into its recipe: the
 * installation is stamped and the recipe's watchdog gets its first kill time (Beaker's
 * Command.change_status → Installation.rebooted).
 */
export async function markCompleted(db: Db, lab: LabIdentity, id: number, now = new Date()): Promise<void> {
  await db.$transaction(async (tx) => {
    await changeStatus(tx, lab, id, 'Running', { status: 'Completed', finishTime: now });
    const command = await tx.command.findUniqueOrThrow({
      where: { id },
      select: { action: true, installationId: true },
    });
    if (command.action !== 'on' || command.installationId === null) return;
    const installation = await tx.installation.update({
      where: { id: command.installationId },
      data: { rebootedAt: now },
      select: { recipeId: true },
    });
    if (installation.recipeId === null) return;
    const first = await tx.recipeTask.findFirst({
      where: { recipeId: installation.recipeId },
      orderBy: { position: 'asc' },
      select: { avgTime: true },
    });
    const seconds = (first?.avgTime ?? DEFAULT_TASK_SECONDS) + WATCHDOG_MARGIN_SECONDS;
    await tx.watchdog.updateMany({
      where: { recipeId: installation.recipeId },
      data: { killTime: new Date(now.getTime() + seconds * 1000) },
    });
  });
}

/**
 * A failed command: recorded with its message; a power command that failed for the system's
 * sake marks an Automated system Broken (not for `interrupt`, as in Beaker), and a
 * provisioning command aborts the rest of its provisioning and the recipe.
 */
export async function markFailed(
  db: Db,
  lab: LabIdentity,
  id: number,
  failure: CommandFailure,
  events: SchedulerEvents,
  now = new Date(),
): Promise<void> {
  const message = failure.message.slice(0, 4000);
  const command = await db.$transaction(async (tx) => {
    await changeStatus(tx, lab, id, 'Running', { status: 'Failed', finishTime: now, errorMessage: message });
    const row = await tx.command.findUniqueOrThrow({
      where: { id },
      select: {
        action: true,
        systemId: true,
        installationId: true,
        installation: { select: { recipeId: true } },
        system: { select: { status: true } },
      },
    });
    if (failure.systemBroken && row.action !== 'interrupt' && row.system.status === 'Automated') {
      await tx.system.update({
        where: { id: row.systemId },
        data: { status: 'Broken', statusReason: `${row.action} failed: ${message}`.slice(0, 255) },
      });
      await tx.activity.create({
        data: {
          objectType: 'system',
          objectId: row.systemId,
          service: 'Scheduler',
          action: 'Changed',
          fieldName: 'Status',
          oldValue: 'Automated',
          newValue: 'Broken',
          createdAt: now,
        },
      });
    }
    if (row.installationId !== null) {
      await tx.command.updateMany({
        where: { installationId: row.installationId, status: 'Queued' },
        data: { status: 'Aborted', finishTime: now, errorMessage: `command ${id} (${row.action}) failed` },
      });
    }
    return row;
  });
  await events.systemsChanged([command.systemId]);
  const recipeId = command.installation?.recipeId;
  if (recipeId != null) {
    await stop(db, { recipeId }, 'abort', `Command ${command.action} failed: ${message}`, { now, events });
  }
}

/**
 * A lab controller that starts again does not know what it was running: those commands go
 * back to Queued and run again (every action is idempotent: power to a state, files
 * rewritten). Commands that completed stay completed and are never handed out again.
 */
export async function requeueRunning(db: Db, lab: LabIdentity): Promise<number> {
  const { count } = await db.command.updateMany({
    where: { labControllerId: lab.id, status: 'Running' },
    data: { status: 'Queued', startTime: null },
  });
  return count;
}

export interface PowerRequest {
  action: 'on' | 'off' | 'reboot' | 'interrupt';
  service: string;
  userId: number;
}

/** Queues a power action for a system; `reboot` becomes off then on, as Beaker's server splits it. */
export async function queuePower(db: Db, systemId: number, request: PowerRequest): Promise<number[]> {
  const system = await db.system.findUniqueOrThrow({
    where: { id: systemId },
    select: { fqdn: true, labControllerId: true, power: { select: { quiescentPeriod: true } } },
  });
  if (system.labControllerId === null)
    throw new ErlenError('CONFLICT', `${system.fqdn} has no lab controller to run power commands`);
  if (!system.power) throw new ErlenError('CONFLICT', `${system.fqdn} has no power settings`);
  const actions: CommandAction[] = request.action === 'reboot' ? ['off', 'on'] : [request.action];
  const created = await db.command.createManyAndReturn({
    data: actions.map((action) => ({
      systemId,
      labControllerId: system.labControllerId as number,
      userId: request.userId,
      service: request.service,
      action,
      quiescentPeriod: system.power?.quiescentPeriod ?? null,
    })),
    select: { id: true },
  });
  return created.map((c) => c.id);
}
