import type { JobView, LogLink, RecipeView, RoleView } from '../../../../common/src/job-xml/types.js';
import type { DeepJob, DeepRecipe } from './job-queries.js';

type LogRow = DeepRecipe['logs'][number];

/** Builds what the results-XML and JUnit renderers need from a job loaded with `loadDeepJob`. */
export function jobView(job: DeepJob, publicUrl: string, options: { showSecrets: boolean }): JobView {
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  return {
    id: job.id,
    ownerEmail: job.owner.email,
    status: job.status,
    result: job.result,
    retentionTag: job.retentionTag.tag,
    group: job.group?.name,
    product: job.product?.name,
    whiteboard: job.whiteboard,
    notifyCc: options.showSecrets ? job.notifyCc : [],
    extraXml: job.extraXml,
    recipeSets: job.recipeSets.map((set) => ({
      id: set.id,
      priority: set.priority,
      waived: set.waived,
      status: set.status,
      result: set.result,
      recipes: set.recipes
        .filter((r) => r.hostRecipeId === null)
        .map((r) => recipeView(r, set.recipes, base, job.id)),
    })),
  };
}

function recipeView(
  recipe: DeepRecipe,
  peers: readonly DeepRecipe[],
  base: string,
  jobId: number,
): RecipeView {
  const tree = recipe.distroTree;
  const install = recipe.installation;
  const logHref = (prefix: string, log: LogRow) =>
    `${base}${prefix}/logs/${log.path ? `${log.path}/` : ''}${log.filename}`;
  const links = (prefix: string, logs: readonly LogRow[]): LogLink[] =>
    logs.map((log) => ({
      name: log.path ? `${log.path}/${log.filename}` : log.filename,
      href: logHref(prefix, log),
    }));
  const recipePrefix = `recipes/${recipe.id}`;
  return {
    id: recipe.id,
    jobId,
    recipeSetId: recipe.recipeSetId,
    kind: recipe.kind,
    xml: recipe.xml,
    whiteboard: recipe.whiteboard,
    status: recipe.status,
    result: recipe.result,
    startTime: recipe.startTime ?? undefined,
    finishTime: recipe.finishTime ?? undefined,
    distro: tree
      ? {
          name: tree.distro.name,
          arch: tree.arch.name,
          family: tree.distro.osVersion.osMajor.name,
          variant: tree.variant,
        }
      : undefined,
    system: recipe.resource?.fqdn ?? undefined,
    installation: install
      ? {
          installStarted: install.installStartedAt ?? undefined,
          installFinished: install.installFinishedAt ?? undefined,
          postinstallFinished: install.postinstallFinishedAt ?? undefined,
        }
      : undefined,
    roles: recipeRoles(peers),
    logs: links(recipePrefix, recipe.logs),
    guest:
      recipe.kind === 'guest'
        ? { macAddress: recipe.resource?.macAddress ?? undefined, schemeLocations: {} }
        : undefined,
    tasks: recipe.tasks.map((task) => ({
      id: task.id,
      name: task.name,
      role: task.role,
      status: task.status,
      result: task.result,
      version: task.version ?? undefined,
      avgTime: task.avgTime ?? undefined,
      startTime: task.startTime ?? undefined,
      finishTime: task.finishTime ?? undefined,
      roles: taskRoles(peers, task.position),
      logs: links(`${recipePrefix}/tasks/${task.id}`, task.logs),
      results: task.results.map((row) => ({
        id: row.id,
        path: row.path,
        result: row.result,
        score: row.score?.toString(),
        startTime: row.startTime,
        message: row.message,
        logs: links(`${recipePrefix}/tasks/${task.id}/results/${row.id}`, row.logs),
      })),
    })),
    guests: peers.filter((g) => g.hostRecipeId === recipe.id).map((g) => recipeView(g, peers, base, jobId)),
  };
}

/** Beaker's peer roles: every recipe of the set (guests included) grouped by role, sorted by role name. */
function recipeRoles(peers: readonly DeepRecipe[]): RoleView[] {
  return groupRoles(peers.map((peer) => ({ role: peer.role, fqdn: peer.resource?.fqdn })));
}

/** Task roles pair up the tasks at the same position across the recipe set. */
function taskRoles(peers: readonly DeepRecipe[], position: number): RoleView[] {
  return groupRoles(
    peers.flatMap((peer) => {
      const task = peer.tasks.find((t) => t.position === position);
      return task ? [{ role: task.role, fqdn: peer.resource?.fqdn }] : [];
    }),
  );
}

function groupRoles(members: readonly { role: string; fqdn: string | null | undefined }[]): RoleView[] {
  const roles = new Map<string, string[]>();
  for (const { role, fqdn } of members) {
    const systems = roles.get(role) ?? [];
    if (fqdn) systems.push(fqdn);
    roles.set(role, systems);
  }
  return [...roles.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([role, systems]) => ({ role, systems }));
}

/** Input for renderCloneXml: the job as submitted, optionally reduced to one recipe set. */
export function cloneInput(job: DeepJob, recipeSetId?: number) {
  return {
    retentionTag: job.retentionTag.tag,
    group: job.group?.name,
    product: job.product?.name,
    whiteboard: job.whiteboard,
    notifyCc: job.notifyCc,
    extraXml: job.extraXml,
    recipeSets: job.recipeSets
      .filter((set) => recipeSetId === undefined || set.id === recipeSetId)
      .map((set) => ({
        priority: set.priority,
        recipesXml: set.recipes.filter((r) => r.hostRecipeId === null).map((r) => r.xml),
      })),
  };
}
