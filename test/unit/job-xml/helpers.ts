import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Beaker's sample jobs stay in shared/beaker-compat (beside the repository, also in CI);
// Erlen does not carry copies of Beaker material it only needs as test input.
const fixtureDir = fileURLToPath(new URL('../../../../shared/beaker-compat/jobs/', import.meta.url));

/** A Beaker sample job from shared/beaker-compat/jobs. */
export const fixture = (name: string): string => readFileSync(`${fixtureDir}${name}`, 'utf8');

export const FIXTURE_JOBS = ['complete-job.xml', 'virtualization-workflow-sample-job.xml'] as const;

/** 1-based line of the first occurrence of `needle`; fails the test if it is absent. */
export function lineOf(xml: string, needle: string, from = 0): number {
  const at = xml.indexOf(needle, from);
  if (at === -1) throw new Error(`"${needle}" not found`);
  return xml.slice(0, at).split('\n').length;
}

/** A minimal valid recipe; pieces can be swapped out by the tests. */
export function recipe(
  parts: { attrs?: string; distro?: string; host?: string; tasks?: string; extra?: string } = {},
): string {
  return [
    `    <recipe${parts.attrs ?? ''}>`,
    parts.distro ?? '      <distroRequires><distro_name op="=" value="RHEL-6.3"/></distroRequires>',
    parts.host ?? '      <hostRequires/>',
    ...(parts.extra ? [parts.extra] : []),
    parts.tasks ?? '      <task name="/distribution/check-install" role="STANDALONE"/>',
    '    </recipe>',
  ].join('\n');
}

export function jobXml(recipes: string = recipe(), setAttrs = ' priority="Normal"'): string {
  return [
    '<job>',
    '  <whiteboard>test</whiteboard>',
    `  <recipeSet${setAttrs}>`,
    recipes,
    '  </recipeSet>',
    '</job>',
  ].join('\n');
}

/** Milliseconds taken by an async action. */
export async function timed<T>(action: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await action();
  return { ms: performance.now() - start, value };
}
