/**
 * Job XML for cloning (Beaker's `to_xml(clone=True)`): the job element without results,
 * each recipe as the XML stored at submission, verbatim.
 */
import { escapeText, startTag } from './xml-text.js';

export interface CloneJobInput {
  retentionTag?: string;
  group?: string;
  product?: string;
  /** Written only when given; Beaker's clone leaves the owner out. */
  user?: string;
  whiteboard: string;
  notifyCc: readonly string[];
  extraXml: readonly string[];
  recipeSets: readonly { priority?: string; recipesXml: readonly string[] }[];
}

export function renderCloneXml(job: CloneJobInput): string {
  const lines = [
    startTag('job', [
      ['retention_tag', job.retentionTag],
      ['group', job.group],
      ['product', job.product],
      ['user', job.user],
    ]),
    ...jobPreamble(job),
  ];
  for (const set of job.recipeSets) {
    lines.push(`  ${startTag('recipeSet', [['priority', set.priority ?? 'Normal']])}`);
    for (const xml of set.recipesXml) lines.push(`    ${xml}`);
    lines.push('  </recipeSet>');
  }
  lines.push('</job>');
  return `${lines.join('\n')}\n`;
}

/** notify, whiteboard and extra XML: the children of `<job>` before its recipe sets, as Beaker orders them. */
export function jobPreamble(job: Pick<CloneJobInput, 'notifyCc' | 'whiteboard' | 'extraXml'>): string[] {
  const lines: string[] = [];
  if (job.notifyCc.length > 0) {
    lines.push('  <notify>', ...job.notifyCc.map((cc) => `    <cc>${escapeText(cc)}</cc>`), '  </notify>');
  }
  lines.push(job.whiteboard ? `  <whiteboard>${escapeText(job.whiteboard)}</whiteboard>` : '  <whiteboard/>');
  for (const extra of job.extraXml) lines.push(`  ${extra}`);
  return lines;
}
