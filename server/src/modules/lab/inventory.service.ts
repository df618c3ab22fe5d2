import { ErlenError } from '../../../../common/src/errors.js';
import type { Db, Prisma } from '../../db/prisma.js';
import { issueApiToken } from '../accounts/accounts.service.js';
import type { Actor } from '../../security/actor.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { DistroTreeInput, SystemInput } from '../../../../common/src/api/inventory.js';

export type { DistroTreeInput, SystemInput };

const FQDN =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function assertFqdn(fqdn: string, what: string): void {
  if (!FQDN.test(fqdn)) throw new ErlenError('BAD_REQUEST', `${what} "${fqdn}" is not a valid host name`);
}

/** Registers a lab and its service account; the account's token is returned once. */
export async function createLabController(db: Db, fqdn: string) {
  assertFqdn(fqdn, 'lab controller');
  if (await db.labController.findUnique({ where: { fqdn } }))
    throw new ErlenError('CONFLICT', `lab controller ${fqdn} already exists`);
  const username = `host/${fqdn}`;
  return db.$transaction(async (tx) => {
    const group = await tx.group.findUniqueOrThrow({ where: { name: 'lab_controller' } });
    const user = await tx.user.upsert({
      where: { username },
      create: { username, email: `root@${fqdn}`, displayName: fqdn, kind: 'labcontroller' },
      update: { kind: 'labcontroller', disabled: false, removedAt: null },
    });
    await tx.groupMember.upsert({
      where: { groupId_userId: { groupId: group.id, userId: user.id } },
      create: { groupId: group.id, userId: user.id },
      update: {},
    });
    const lab = await tx.labController.create({ data: { fqdn, userId: user.id } });
    const { token } = await issueApiToken(tx, lab.userId, `lab controller ${fqdn}`);
    return { fqdn: lab.fqdn, username, token };
  });
}

/**
 * Adds a system with its whole inventory. Power passwords are sealed before they reach the
 * database. Without explicit rules the system's policy lets everybody view it (only the
 * owner may reserve until someone grants `reserve`).
 */
export async function createSystem(db: Db, actor: Actor, input: SystemInput, secrets: SecretBox) {
  assertFqdn(input.fqdn, 'system');
  if (await db.system.findUnique({ where: { fqdn: input.fqdn } }))
    throw new ErlenError('CONFLICT', `system ${input.fqdn} already exists`);
  const status = input.status ?? (input.labController ? 'Automated' : 'Manual');
  if (status === 'Automated' && !input.labController) {
    throw new ErlenError('BAD_REQUEST', `system ${input.fqdn}: an Automated system needs a lab controller`);
  }
  return db.$transaction(async (tx) => {
    const ownerId = input.owner ? (await findUser(tx, input.owner)).id : actor.userId;
    const lab = input.labController
      ? await tx.labController.findUnique({ where: { fqdn: input.labController } })
      : null;
    if (input.labController && (!lab || lab.removedAt))
      throw new ErlenError('BAD_REQUEST', `no lab controller ${input.labController}`);
    const arches = await tx.arch.findMany({ where: { name: { in: input.arches } } });
    const unknownArch = input.arches.find((name) => !arches.some((a) => a.name === name));
    if (unknownArch)
      throw new ErlenError('BAD_REQUEST', `system ${input.fqdn}: unknown arch "${unknownArch}"`);
    const rules = await policyRules(tx, input.accessPolicy ?? [{ everybody: true, permission: 'view' }]);
    const policy = await tx.accessPolicy.create({ data: { rules: { create: rules } } });
    const system = await tx.system.create({
      data: {
        fqdn: input.fqdn,
        ownerId,
        labControllerId: lab?.id ?? null,
        status,
        statusReason: input.statusReason ?? '',
        type: input.type ?? 'Machine',
        memory: input.memory ?? null,
        numaNodes: input.numaNodes ?? null,
        vendor: input.vendor ?? '',
        model: input.model ?? '',
        location: input.location ?? '',
        serial: input.serial ?? '',
        lender: input.lender ?? '',
        hypervisor: input.hypervisor ?? null,
        macAddress: input.macAddress ?? null,
        ipAddress: input.ipAddress ?? null,
        customAccessPolicyId: policy.id,
        activeAccessPolicyId: policy.id,
        arches: { create: arches.map((arch) => ({ archId: arch.id })) },
        cpu: input.cpu ? { create: { ...input.cpu, flags: input.cpu.flags ?? [] } } : undefined,
        disks: input.disks ? { create: input.disks.map((d) => ({ ...d, size: BigInt(d.size) })) } : undefined,
        devices: input.devices ? { create: input.devices } : undefined,
        power: input.power
          ? {
              create: {
                powerType: input.power.type,
                address: input.power.address,
                user: input.power.user ?? '',
                passwordEncrypted: input.power.password ? secrets.seal(input.power.password) : null,
                powerId: input.power.id ?? '',
                quiescentPeriod: input.power.quiescentPeriod ?? 5,
              },
            }
          : undefined,
      },
    });
    await createKeyValues(tx, system.id, input.keyValues ?? {});
    await tx.activity.create({
      data: {
        objectType: 'system',
        objectId: system.id,
        userId: actor.userId,
        service: 'HTTP',
        action: 'Added',
        fieldName: 'System',
        newValue: system.fqdn,
      },
    });
    return system;
  });
}

async function findUser(tx: Prisma.TransactionClient, username: string) {
  const user = await tx.user.findUnique({ where: { username } });
  if (!user) throw new ErlenError('BAD_REQUEST', `no user "${username}"`);
  return user;
}

async function policyRules(tx: Prisma.TransactionClient, rules: NonNullable<SystemInput['accessPolicy']>) {
  const out: Prisma.AccessPolicyRuleCreateWithoutPolicyInput[] = [];
  for (const rule of rules) {
    const targets = [rule.user, rule.group, rule.everybody ? 'everybody' : undefined].filter(Boolean);
    if (targets.length !== 1)
      throw new ErlenError(
        'BAD_REQUEST',
        'each access policy rule names exactly one of user, group or everybody',
      );
    if (rule.user)
      out.push({
        permission: rule.permission,
        user: { connect: { id: (await findUser(tx, rule.user)).id } },
      });
    else if (rule.group) {
      const group = await tx.group.findUnique({ where: { name: rule.group } });
      if (!group) throw new ErlenError('BAD_REQUEST', `no group "${rule.group}"`);
      out.push({ permission: rule.permission, group: { connect: { id: group.id } } });
    } else out.push({ permission: rule.permission });
  }
  return out;
}

/** Unknown key names are created; a key is numeric when every value given for it is a number. */
async function createKeyValues(
  tx: Prisma.TransactionClient,
  systemId: number,
  keyValues: NonNullable<SystemInput['keyValues']>,
) {
  for (const [name, raw] of Object.entries(keyValues)) {
    const values = Array.isArray(raw) ? raw : [raw];
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name))
      throw new ErlenError('BAD_REQUEST', `invalid key name "${name}"`);
    const key = await tx.key.upsert({
      where: { name },
      create: { name, numeric: values.every((v) => typeof v === 'number') },
      update: {},
    });
    if (key.numeric) {
      const bad = values.find((v) => !/^-?\d+$/.test(String(v)));
      if (bad !== undefined)
        throw new ErlenError('BAD_REQUEST', `key ${name} is numeric; "${bad}" is not an integer`);
    }
    await tx.keyValue.createMany({
      data: values.map((value) => ({ systemId, keyId: key.id, value: String(value) })),
    });
  }
}

/** beaker-import's add_distro_tree: creates or updates the OS version, distro, tree and its lab URLs. */
export async function importDistroTree(db: Db, actor: Actor, input: DistroTreeInput) {
  return db.$transaction(async (tx) => {
    if (!actor.admin) {
      // A lab controller speaks for its own lab only.
      const own = await tx.labController.findUnique({ where: { userId: actor.userId } });
      const foreign = input.labUrls.find((u) => u.labController !== own?.fqdn);
      if (foreign) {
        throw new ErlenError(
          'FORBIDDEN',
          `this account may register trees only for its own lab, not ${foreign.labController}`,
        );
      }
    }
    const arch = await tx.arch.findUnique({ where: { name: input.arch } });
    if (!arch) throw new ErlenError('BAD_REQUEST', `unknown arch "${input.arch}"`);
    const labs = await tx.labController.findMany({
      where: { fqdn: { in: input.labUrls.map((u) => u.labController) }, removedAt: null },
    });
    const missingLab = input.labUrls.find((u) => !labs.some((l) => l.fqdn === u.labController));
    if (missingLab) throw new ErlenError('BAD_REQUEST', `no lab controller ${missingLab.labController}`);
    const osMajor = await tx.osMajor.upsert({
      where: { name: input.osMajor },
      create: { name: input.osMajor },
      update: {},
    });
    const osMinor = input.osMinor ?? '';
    const osVersion = await tx.osVersion.upsert({
      where: { osMajorId_osMinor: { osMajorId: osMajor.id, osMinor } },
      create: { osMajorId: osMajor.id, osMinor },
      update: {},
    });
    const distro = await tx.distro.upsert({
      where: { name: input.name },
      create: { name: input.name, osVersionId: osVersion.id, tags: input.tags ?? [] },
      update: { osVersionId: osVersion.id, ...(input.tags ? { tags: input.tags } : {}) },
    });
    const variant = input.variant ?? '';
    const fields = {
      kind: input.kind ?? 'installer',
      ksMeta: input.ksMeta ?? '',
      kernelOptions: input.kernelOptions ?? '',
      kernelOptionsPost: input.kernelOptionsPost ?? '',
    } as const;
    const tree = await tx.distroTree.upsert({
      where: { distroId_archId_variant: { distroId: distro.id, archId: arch.id, variant } },
      create: { distroId: distro.id, archId: arch.id, variant, ...fields },
      update: fields,
    });
    for (const image of input.images ?? []) {
      const kernelType = image.kernelType ?? 'default';
      await tx.distroTreeImage.upsert({
        where: {
          distroTreeId_imageType_kernelType: { distroTreeId: tree.id, imageType: image.type, kernelType },
        },
        create: { distroTreeId: tree.id, imageType: image.type, kernelType, path: image.path },
        update: { path: image.path },
      });
    }
    for (const repo of input.repos ?? []) {
      await tx.distroTreeRepo.upsert({
        where: { distroTreeId_repoId: { distroTreeId: tree.id, repoId: repo.id } },
        create: { distroTreeId: tree.id, repoId: repo.id, repoType: repo.type, path: repo.path },
        update: { repoType: repo.type, path: repo.path },
      });
    }
    for (const { labController, url } of input.labUrls) {
      const lab = labs.find((l) => l.fqdn === labController)!;
      await tx.distroTreeLabUrl.upsert({
        where: { distroTreeId_labControllerId_url: { distroTreeId: tree.id, labControllerId: lab.id, url } },
        create: { distroTreeId: tree.id, labControllerId: lab.id, url },
        update: {},
      });
    }
    return { id: tree.id, distro: distro.name, arch: arch.name, variant };
  });
}
