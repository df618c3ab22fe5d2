import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErlenError } from '../../../../common/src/errors.js';
import type { Db, Prisma } from '../../db/prisma.js';
import { requireActor, requireAdmin } from '../../http/auth-plugin.js';
import { ErrorBody } from '../../http/schemas.js';
import type { SchedulerEvents } from '../../events/scheduler-events.js';
import type { SecretBox } from '../../security/secret-box.js';
import {
  createLabController,
  createSystem,
  importDistroTree,
  type DistroTreeInput,
  type SystemInput,
} from './inventory.service.js';
import { compileHostFilter, parseHostRequires } from '../../../../common/src/host-filter/index.js';
import { canViewPower, visibleSystemsWhere } from './system-access.js';
import { loadSystemFacts } from './system-facts.js';

import { Str, SystemInputSchema, SystemSummary } from './lab.schemas.js';

const systemInclude = {
  owner: { select: { username: true } },
  user: { select: { username: true } },
  loanedTo: { select: { username: true } },
  labController: { select: { fqdn: true } },
  arches: { include: { arch: true } },
} satisfies Prisma.SystemInclude;
type SystemRow = Prisma.SystemGetPayload<{ include: typeof systemInclude }>;

const summary = (s: SystemRow) => ({
  fqdn: s.fqdn,
  status: s.status,
  type: s.type,
  labController: s.labController?.fqdn,
  arches: s.arches.map((a) => a.arch.name).sort(),
  owner: s.owner.username,
  user: s.user?.username,
  loanedTo: s.loanedTo?.username,
});

export const labRoutes: FastifyPluginAsyncTypebox<{
  db: Db;
  events: SchedulerEvents;
  secrets: SecretBox;
}> = async (app, { db, events, secrets }) => {
  app.post(
    '/labcontrollers',
    {
      schema: {
        tags: ['lab'],
        summary: 'Register a lab controller and its service account (admin); the token is shown once',
        body: Type.Object({ fqdn: Type.String({ minLength: 1 }) }),
        response: {
          201: Type.Object({ fqdn: Type.String(), username: Type.String(), token: Type.String() }),
          403: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      requireAdmin(request.actor);
      const created = await createLabController(db, request.body.fqdn);
      await events.inventoryChanged();
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/labcontrollers',
    {
      schema: {
        tags: ['lab'],
        summary: 'Lab controllers',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                fqdn: Type.String(),
                disabled: Type.Boolean(),
                lastSeenAt: Type.Optional(Type.String()),
              }),
            ),
          }),
        },
      },
    },
    async () => {
      const labs = await db.labController.findMany({ where: { removedAt: null }, orderBy: { fqdn: 'asc' } });
      return {
        items: labs.map((l) => ({
          fqdn: l.fqdn,
          disabled: l.disabled,
          lastSeenAt: l.lastSeenAt?.toISOString(),
        })),
      };
    },
  );

  app.post(
    '/systems',
    {
      schema: {
        tags: ['lab'],
        summary: 'Add a system with its inventory (admin)',
        body: SystemInputSchema,
        response: { 201: SystemSummary, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const actor = requireAdmin(request.actor);
      const system = await createSystem(db, actor, request.body as SystemInput, secrets);
      await events.systemsChanged([system.id]);
      return reply
        .status(201)
        .send(
          summary(await db.system.findUniqueOrThrow({ where: { id: system.id }, include: systemInclude })),
        );
    },
  );

  app.get(
    '/systems',
    {
      schema: {
        tags: ['lab'],
        summary: 'Systems the caller may see',
        description:
          'filter takes a <hostRequires> element (or its children) and keeps the systems it matches, ' +
          "with the scheduler's filter engine (bkr system-list --xml-filter).",
        querystring: Type.Object({
          status: Str,
          labController: Str,
          arch: Str,
          filter: Type.Optional(Type.String({ maxLength: 16384 })),
          limit: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
          offset: Type.Integer({ minimum: 0, default: 0 }),
        }),
        response: {
          200: Type.Object({ items: Type.Array(SystemSummary), total: Type.Integer() }),
          400: ErrorBody,
        },
      },
    },
    async (request) => {
      const { status, labController, arch, filter, limit, offset } = request.query;
      const where: Prisma.SystemWhereInput = { AND: [visibleSystemsWhere(requireActor(request.actor))] };
      if (status) where.status = status as Prisma.SystemWhereInput['status'];
      if (labController) where.labController = { fqdn: labController };
      if (arch) where.arches = { some: { arch: { name: arch } } };
      if (filter !== undefined) {
        const parsed = parseHostRequires(filter);
        if (!parsed.ok) {
          const summary = parsed.errors
            .map((e) => (e.line ? `line ${e.line}: ${e.message}` : e.message))
            .join('; ');
          throw new ErlenError('INVALID_FILTER', `invalid host filter: ${summary}`, 400, parsed.errors);
        }
        const matches = compileHostFilter(parsed.filter);
        where.fqdn = { in: (await loadSystemFacts(db, where)).filter(matches).map((f) => f.fqdn) };
      }
      const [rows, total] = await Promise.all([
        db.system.findMany({
          where,
          include: systemInclude,
          orderBy: { fqdn: 'asc' },
          take: limit,
          skip: offset,
        }),
        db.system.count({ where }),
      ]);
      return { items: rows.map(summary), total };
    },
  );

  app.get(
    '/systems/:fqdn',
    {
      schema: {
        tags: ['lab'],
        summary:
          'One system with its inventory; power settings only for those who may see them, never the password',
        params: Type.Object({ fqdn: Type.String() }),
        response: { 200: Type.Unknown(), 404: ErrorBody },
      },
    },
    async (request) => {
      const actor = requireActor(request.actor);
      const system = await db.system.findFirst({
        where: { AND: [{ fqdn: request.params.fqdn }, visibleSystemsWhere(actor)] },
        include: {
          ...systemInclude,
          cpu: true,
          disks: true,
          devices: true,
          keyValues: { include: { key: true } },
          power: true,
          activeAccessPolicy: { include: { rules: true } },
          pools: { include: { pool: true } },
        },
      });
      if (!system) throw new ErlenError('NOT_FOUND', `no system ${request.params.fqdn}`);
      const power =
        system.power && canViewPower(actor, system)
          ? {
              type: system.power.powerType,
              address: system.power.address,
              user: system.power.user,
              id: system.power.powerId,
              quiescentPeriod: system.power.quiescentPeriod,
              hasPassword: system.power.passwordEncrypted !== null,
            }
          : undefined;
      return {
        ...summary(system),
        statusReason: system.statusReason,
        memory: system.memory,
        numaNodes: system.numaNodes,
        vendor: system.vendor,
        model: system.model,
        location: system.location,
        serial: system.serial,
        hypervisor: system.hypervisor,
        macAddress: system.macAddress,
        dateAdded: system.dateAdded.toISOString(),
        cpu: system.cpu ? { ...system.cpu, systemId: undefined } : undefined,
        disks: system.disks.map((d) => ({
          model: d.model,
          size: Number(d.size),
          sectorSize: d.sectorSize,
          physSectorSize: d.physSectorSize,
        })),
        devices: system.devices.map(({ id: _id, systemId: _systemId, ...device }) => device),
        keyValues: system.keyValues.map((kv) => ({ key: kv.key.name, value: kv.value })),
        pools: system.pools.map((p) => p.pool.name),
        power,
      };
    },
  );

  app.post(
    '/distro-trees',
    {
      schema: {
        tags: ['lab'],
        summary: 'Import (or update) a distro tree and the URLs labs serve it at (admin, lab controller)',
        body: Type.Object({
          name: Type.String({ minLength: 1 }),
          osMajor: Type.String({ minLength: 1 }),
          osMinor: Str,
          arch: Type.String({ minLength: 1 }),
          variant: Str,
          kind: Type.Optional(Type.Union([Type.Literal('installer'), Type.Literal('live')])),
          tags: Type.Optional(Type.Array(Type.String())),
          ksMeta: Str,
          kernelOptions: Str,
          kernelOptionsPost: Str,
          images: Type.Optional(
            Type.Array(Type.Object({ type: Type.String(), path: Type.String(), kernelType: Str })),
          ),
          repos: Type.Optional(
            Type.Array(Type.Object({ id: Type.String(), type: Type.String(), path: Type.String() })),
          ),
          labUrls: Type.Array(
            Type.Object({ labController: Type.String(), url: Type.String({ pattern: '^[a-z][a-z0-9+]*:' }) }),
            { minItems: 1 },
          ),
        }),
        response: {
          201: Type.Object({
            id: Type.Integer(),
            distro: Type.String(),
            arch: Type.String(),
            variant: Type.String(),
          }),
          400: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request.actor);
      if (!actor.admin && actor.kind !== 'labcontroller')
        throw new ErlenError('FORBIDDEN', 'only admins and lab controllers may import distro trees');
      const tree = await importDistroTree(db, actor, request.body as DistroTreeInput);
      // A tree in a new lab can make queued recipes placeable there.
      await events.inventoryChanged();
      return reply.status(201).send(tree);
    },
  );

  app.get(
    '/distro-trees',
    {
      schema: {
        tags: ['lab'],
        summary: 'Distro trees, newest first',
        querystring: Type.Object({ name: Str, family: Str, arch: Str, labController: Str }),
        response: { 200: Type.Object({ items: Type.Array(Type.Unknown()) }) },
      },
    },
    async (request) => {
      const { name, family, arch, labController } = request.query;
      const trees = await db.distroTree.findMany({
        where: {
          distro: {
            name: name ? { contains: name } : undefined,
            osVersion: family ? { osMajor: { name: family } } : undefined,
          },
          arch: arch ? { name: arch } : undefined,
          labUrls: labController ? { some: { labController: { fqdn: labController } } } : undefined,
        },
        include: {
          arch: true,
          distro: { include: { osVersion: { include: { osMajor: true } } } },
          labUrls: { include: { labController: true } },
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: 500,
      });
      return {
        items: trees.map((t) => ({
          id: t.id,
          distro: t.distro.name,
          family: t.distro.osVersion.osMajor.name,
          osMinor: t.distro.osVersion.osMinor,
          arch: t.arch.name,
          variant: t.variant,
          kind: t.kind,
          tags: t.distro.tags,
          labUrls: t.labUrls.map((u) => ({ labController: u.labController.fqdn, url: u.url })),
        })),
      };
    },
  );
};
