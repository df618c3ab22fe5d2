import type { HarnessConfig } from './config.js';
import type { PlannedTask, RecipePlan, Roles } from './recipe.js';

export interface TaskRun {
  plan: RecipePlan;
  task: PlannedTask;
  taskDir: string;
  rebootCount: number;
  /** The local time limit in seconds (KILLTIME/RSTRNT_MAXTIME). */
  limitSeconds: number;
  /** Directory of the helper commands, put first on PATH. */
  helperDir: string;
}

/**
 * The environment a task runs in, as Beaker's harnesses give it (reference/beaker.md §6.3):
 * restraint's RSTRNT_* names, the legacy RHTS/Beah names, one variable per peer role, and
 * the task's params last, so a param can override what the harness set (as in Beaker).
 */
export function taskEnvironment(
  run: TaskRun,
  config: HarnessConfig,
  inherited: NodeJS.ProcessEnv,
): Record<string, string> {
  const { plan, task } = run;
  const lab = new URL(config.labControllerUrl);
  const ids = {
    JOBID: plan.jobId,
    RECIPESETID: plan.recipeSetId,
    RECIPEID: plan.recipeId,
    TASKID: task.id,
    TASKNAME: task.name,
    TASKPATH: run.taskDir,
    TASKORDER: task.order,
    REBOOTCOUNT: run.rebootCount,
    MAXTIME: run.limitSeconds,
    OWNER: plan.owner,
    OSDISTRO: plan.distro,
    OSMAJOR: plan.family,
    OSVARIANT: plan.variant,
    OSARCH: plan.arch,
  };
  const restraint = Object.fromEntries(
    Object.entries(ids).map(([key, value]) => [`RSTRNT_${key}`, String(value)]),
  );
  const legacy: Record<string, string | number> = {
    JOBID: plan.jobId,
    RECIPESETID: plan.recipeSetId,
    RECIPEID: plan.recipeId,
    TASKID: task.id,
    RECIPETESTID: task.id,
    TESTID: task.id,
    TASKNAME: task.name,
    TEST: task.name,
    TESTPATH: run.taskDir,
    TESTORDER: task.order,
    REBOOTCOUNT: run.rebootCount,
    KILLTIME: run.limitSeconds,
    SUBMITTER: plan.owner,
    DISTRO: plan.distro,
    FAMILY: plan.family,
    VARIANT: plan.variant,
    ARCH: plan.arch,
    ROLE: task.role,
    RECIPE_ROLE: plan.role,
    RECIPETYPE: plan.kind,
    RECIPE_MEMBERS: members(plan.roles).join(' '),
    LAB_CONTROLLER: lab.hostname,
    BEAKER_LAB_CONTROLLER: lab.hostname,
    BEAKER_LAB_CONTROLLER_URL: config.labControllerUrl,
    BEAKER_RECIPE_ID: plan.recipeId,
    BEAKER_JOB_WHITEBOARD: plan.jobWhiteboard,
    BEAKER_RECIPE_WHITEBOARD: plan.whiteboard,
  };
  return {
    ...stringValues(inherited),
    HOME: inherited.HOME ?? '/root',
    LANG: inherited.LANG ?? 'C.UTF-8',
    TERM: inherited.TERM ?? 'vt100',
    PATH: [
      run.helperDir,
      inherited.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ].join(':'),
    ...restraint,
    ...Object.fromEntries(Object.entries(legacy).map(([key, value]) => [key, String(value)])),
    // Task roles pair up tasks across the recipe set; recipe roles name whole recipes. A
    // task role wins where both name the same role, being the more specific.
    ...roleVariables(plan.roles),
    ...roleVariables(task.roles),
    ...Object.fromEntries(task.params.map((param) => [param.name, param.value])),
  };
}

/** Beaker's role variables: role name → space-separated FQDNs ("None" is no role). */
function roleVariables(roles: Roles): Record<string, string> {
  return Object.fromEntries(
    Object.entries(roles)
      .filter(([role]) => role !== 'None' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(role))
      .map(([role, systems]) => [role, systems.join(' ')]),
  );
}

function members(roles: Roles): string[] {
  return [...new Set(Object.values(roles).flat())];
}

function stringValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
