import { ErlenError } from '../../../../common/src/errors.js';
import { PRIORITIES, type Priority } from '../../../../common/src/domain/status.js';
import { storedHostFilter } from '../../../../common/src/host-filter/index.js';
import { parseJobXml } from '../../../../common/src/job-xml/index.js';
import type { JobSpec, RecipeSpec, XmlIssue } from '../../../../common/src/job-xml/types.js';
import { LONG_TRANSACTION, type Db, type Prisma } from '../../db/prisma.js';
import { hasPermission, type Actor } from '../../security/actor.js';
import { loadDistroCatalog, newestMatchingTree, type CatalogTree } from './distro-catalog.js';

export interface SubmissionResult {
  jobId?: number;
  recipeIds: number[];
  warnings: XmlIssue[];
}

/** Priorities any user may pick at submission; others need admin or `change_prio` (Beaker's rule). */
const UNPRIVILEGED_PRIORITIES: readonly Priority[] = ['Low', 'Medium', 'Normal'];

/**
 * Validates job XML and Beaker's submission rules, resolves each recipe's distro tree, and
 * stores the job in one transaction. Nothing is written unless everything is valid.
 */
export async function submitJob(
  db: Db,
  actor: Actor,
  xml: string,
  options: { dryrun?: boolean } = {},
): Promise<SubmissionResult> {
  if (actor.kind !== 'user') throw new ErlenError('FORBIDDEN', 'lab controller accounts cannot submit jobs');
  const spec = await parseJobXml(xml);
  const warnings: XmlIssue[] = [];
  const ownerId = await resolveOwner(db, actor, spec);
  const groupId = await resolveGroup(db, spec, ownerId);
  const { retentionTagId, productId } = await resolveRetention(db, spec);
  const priorities = spec.recipeSets.map((set) => allowedPriority(actor, set.priority, set.line, warnings));
  const trees = resolveDistroTrees(spec, await loadDistroCatalog(db));
  if (options.dryrun) return { recipeIds: [], warnings };

  const taskCount = (recipe: RecipeSpec): number =>
    recipe.tasks.length + recipe.guests.reduce((n, g) => n + g.tasks.length, 0);
  const created = await db.$transaction(async (tx) => {
    const job = await tx.job.create({
      data: {
        ownerId,
        submitterId: actor.userId,
        groupId,
        retentionTagId,
        productId,
        whiteboard: spec.whiteboard,
        notifyCc: spec.notifyCc,
        extraXml: spec.extraXml,
        status: 'Queued',
        ttasks: spec.recipeSets.reduce((n, set) => n + set.recipes.reduce((m, r) => m + taskCount(r), 0), 0),
      },
    });
    const recipeIds: number[] = [];
    for (const [position, set] of spec.recipeSets.entries()) {
      const recipeSet = await tx.recipeSet.create({
        data: {
          jobId: job.id,
          position,
          priority: priorities[position] ?? 'Normal',
          status: 'Queued',
          ttasks: set.recipes.reduce((n, r) => n + taskCount(r), 0),
        },
      });
      for (const [index, recipe] of set.recipes.entries()) {
        const host = await createRecipe(tx, recipe, recipeSet.id, index, trees.get(recipe), null);
        recipeIds.push(host);
        for (const [guestIndex, guest] of recipe.guests.entries()) {
          recipeIds.push(await createRecipe(tx, guest, recipeSet.id, guestIndex, trees.get(guest), host));
        }
      }
    }
    return { jobId: job.id, recipeIds };
  }, LONG_TRANSACTION);
  return { ...created, warnings };
}

async function createRecipe(
  tx: Prisma.TransactionClient,
  spec: RecipeSpec,
  recipeSetId: number,
  position: number,
  tree: CatalogTree | undefined,
  hostRecipeId: number | null,
): Promise<number> {
  const recipe = await tx.recipe.create({
    data: {
      recipeSetId,
      kind: spec.kind,
      hostRecipeId,
      position,
      distroTreeId: tree?.id ?? null,
      whiteboard: spec.whiteboard,
      role: spec.role,
      ksMeta: spec.ksMeta,
      kernelOptions: spec.kernelOptions,
      kernelOptionsPost: spec.kernelOptionsPost,
      guestName: spec.guestName ?? null,
      guestArgs: spec.guestArgs ?? null,
      autopickRandom: spec.autopickRandom,
      watchdogPanic: spec.watchdogPanic ?? null,
      hostRequiresXml: spec.hostRequiresXml,
      hostRequiresForce: spec.hostRequiresForce ?? null,
      hostFilter: storedHostFilter(spec.hostFilter) as unknown as Prisma.InputJsonValue,
      distroRequires: (spec.distroRequires as Prisma.InputJsonValue | undefined) ?? undefined,
      explicitDistro: (spec.distro as Prisma.InputJsonValue | undefined) ?? undefined,
      reservesysDuration: spec.reservesys?.duration ?? null,
      reservesysWhen: spec.reservesys?.when ?? null,
      packages: spec.packages,
      repos: spec.repos,
      ksAppends: spec.ksAppends,
      kickstart: spec.kickstart ?? null,
      partitions: spec.partitions,
      xml: spec.xml,
      status: 'Queued',
      ttasks: spec.tasks.length,
    },
  });
  const tasks = await tx.recipeTask.createManyAndReturn({
    data: spec.tasks.map((task, index) => ({
      recipeId: recipe.id,
      position: index,
      name: task.name,
      role: task.role,
      fetchUrl: task.fetch?.url ?? null,
      fetchSubdir: task.fetch?.subdir ?? null,
      status: 'Queued' as const,
    })),
    select: { id: true, position: true },
  });
  const params = tasks.flatMap((task) =>
    (spec.tasks[task.position]?.params ?? []).map((param, index) => ({
      recipeTaskId: task.id,
      position: index,
      name: param.name,
      value: param.value,
    })),
  );
  if (params.length) await tx.recipeTaskParam.createMany({ data: params });
  return recipe.id;
}

/** `<job user=…>` submits on behalf of another user, allowed only for their submission delegates. */
async function resolveOwner(db: Db, actor: Actor, spec: JobSpec): Promise<number> {
  if (!spec.user || spec.user === actor.username) return actor.userId;
  const owner = await db.user.findUnique({ where: { username: spec.user } });
  if (!owner) throw new ErlenError('BAD_REQUEST', `<job user="${spec.user}">: no such user`);
  const delegate = await db.submissionDelegate.findUnique({
    where: { principalId_delegateId: { principalId: owner.id, delegateId: actor.userId } },
  });
  if (!delegate) {
    throw new ErlenError('FORBIDDEN', `${actor.username} is not a submission delegate of ${spec.user}`);
  }
  return owner.id;
}

async function resolveGroup(db: Db, spec: JobSpec, ownerId: number): Promise<number | null> {
  if (!spec.group) return null;
  const group = await db.group.findUnique({
    where: { name: spec.group },
    include: { members: { where: { userId: ownerId } } },
  });
  if (!group) throw new ErlenError('BAD_REQUEST', `<job group="${spec.group}">: no such group`);
  if (!group.members.some((m) => !m.excluded)) {
    throw new ErlenError('FORBIDDEN', `the job owner is not a member of group "${spec.group}"`);
  }
  return group.id;
}

async function resolveRetention(
  db: Db,
  spec: JobSpec,
): Promise<{ retentionTagId: number; productId: number | null }> {
  const tag = spec.retentionTag
    ? await db.retentionTag.findUnique({ where: { tag: spec.retentionTag } })
    : await db.retentionTag.findFirst({ where: { isDefault: true } });
  if (!tag) {
    const known = (await db.retentionTag.findMany({ orderBy: { id: 'asc' } })).map((t) => t.tag);
    throw new ErlenError(
      'BAD_REQUEST',
      `<job retention_tag="${spec.retentionTag}">: unknown tag; known tags: ${known.join(', ')}`,
    );
  }
  if (!spec.product) {
    if (tag.needsProduct)
      throw new ErlenError('BAD_REQUEST', `retention tag "${tag.tag}" requires a product attribute`);
    return { retentionTagId: tag.id, productId: null };
  }
  if (!tag.needsProduct) {
    throw new ErlenError(
      'BAD_REQUEST',
      `cannot give a product with retention tag "${tag.tag}"; only tags that need a product take one`,
    );
  }
  const product = await db.product.findUnique({ where: { name: spec.product } });
  if (!product) throw new ErlenError('BAD_REQUEST', `<job product="${spec.product}">: no such product`);
  return { retentionTagId: tag.id, productId: product.id };
}

/** Beaker replaces a priority the submitter may not use by Normal instead of refusing the job. */
function allowedPriority(
  actor: Actor,
  wanted: Priority | undefined,
  line: number | undefined,
  warnings: XmlIssue[],
): Priority {
  if (!wanted) return 'Normal';
  if (hasPermission(actor, 'change_prio') || UNPRIVILEGED_PRIORITIES.includes(wanted)) return wanted;
  warnings.push({
    line,
    message: `priority ${wanted} needs admin or change_prio; using Normal (allowed: ${PRIORITIES.filter((p) => UNPRIVILEGED_PRIORITIES.includes(p)).join(', ')})`,
  });
  return 'Normal';
}

function resolveDistroTrees(spec: JobSpec, catalog: CatalogTree[]): Map<RecipeSpec, CatalogTree> {
  const trees = new Map<RecipeSpec, CatalogTree>();
  const errors: XmlIssue[] = [];
  const visit = (recipe: RecipeSpec) => {
    if (recipe.distroRequires) {
      const tree = newestMatchingTree(catalog, recipe.distroRequires);
      if (tree) trees.set(recipe, tree);
      else
        errors.push({
          line: recipe.line,
          message: `<${recipe.kind === 'guest' ? 'guestrecipe' : 'recipe'}>: no distro tree in any lab matches its <distroRequires>`,
        });
    }
    recipe.guests.forEach(visit);
  };
  spec.recipeSets.forEach((set) => set.recipes.forEach(visit));
  if (errors.length) {
    throw new ErlenError(
      'NO_MATCHING_DISTRO',
      errors.map((e) => `line ${e.line}: ${e.message}`).join('; '),
      400,
      errors,
    );
  }
  return trees;
}
