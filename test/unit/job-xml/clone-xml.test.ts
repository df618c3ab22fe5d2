import {
  closeSchemaValidator,
  normaliseXmlWhitespace,
  parseJobXml,
  renderCloneXml,
} from '../../../common/src/job-xml/index.js';
import type { CloneJobInput } from '../../../common/src/job-xml/index.js';
import type { JobSpec } from '../../../common/src/job-xml/types.js';
import { fixture, FIXTURE_JOBS, jobXml, recipe } from './helpers.js';

afterAll(() => closeSchemaValidator());

/** What the server hands renderCloneXml for a stored job: the spec's fields and each host recipe's xml. */
function cloneInput(spec: JobSpec): CloneJobInput {
  return {
    retentionTag: spec.retentionTag,
    group: spec.group,
    product: spec.product,
    user: spec.user,
    whiteboard: spec.whiteboard,
    notifyCc: spec.notifyCc,
    extraXml: spec.extraXml,
    recipeSets: spec.recipeSets.map((set) => ({
      priority: set.priority ?? 'Normal',
      recipesXml: set.recipes.map((r) => r.xml),
    })),
  };
}

/** The spec without line numbers, which legitimately move when the layout changes. */
function withoutLines(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLines);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key, v]) => key !== 'line' && v !== undefined)
        .map(([key, v]) => [key, withoutLines(v)]),
    );
  }
  return value;
}

test.each(FIXTURE_JOBS)('cloning %s gives a job that parses to the same JobSpec', async (name) => {
  const spec = await parseJobXml(fixture(name));
  const clone = renderCloneXml(cloneInput(spec));
  const again = await parseJobXml(clone);
  expect(withoutLines(again)).toEqual(withoutLines(spec));
  // Recipe XML is carried verbatim, so a second clone is identical to the first.
  expect(renderCloneXml(cloneInput(again))).toBe(clone);
});

test('the clone of complete-job.xml is the original document, modulo whitespace between tags', async () => {
  const original = fixture('complete-job.xml');
  const clone = renderCloneXml(cloneInput(await parseJobXml(original)));
  expect(normaliseXmlWhitespace(clone)).toBe(normaliseXmlWhitespace(original));
  // Even the layout survives: recipes are re-indented only on their first line.
  expect(clone).toBe(`${original.trimEnd()}\n`);
});

test('attributes are escaped, the owner is written only when given, and an empty whiteboard is kept', async () => {
  const spec = await parseJobXml(jobXml(recipe()));
  const clone = renderCloneXml({
    ...cloneInput(spec),
    user: 'bob',
    whiteboard: '',
    group: 'R&D "lab"',
    notifyCc: ['x@example.com'],
  });
  expect(clone).toContain('<job group="R&amp;D &quot;lab&quot;" user="bob">');
  expect(clone).toContain('<whiteboard/>');
  expect(clone).toContain('<notify>\n    <cc>x@example.com</cc>\n  </notify>');
  const again = await parseJobXml(clone);
  expect(again).toMatchObject({ user: 'bob', group: 'R&D "lab"', whiteboard: '' });
});

test('a recipe set without a priority clones as Normal; several sets keep their order', () => {
  const clone = renderCloneXml({
    whiteboard: 'two sets',
    notifyCc: [],
    extraXml: [],
    recipeSets: [
      { recipesXml: ['<recipe>A</recipe>'] },
      { priority: 'Low', recipesXml: ['<recipe>B</recipe>', '<recipe>C</recipe>'] },
    ],
  });
  expect(clone).toBe(
    [
      '<job>',
      '  <whiteboard>two sets</whiteboard>',
      '  <recipeSet priority="Normal">',
      '    <recipe>A</recipe>',
      '  </recipeSet>',
      '  <recipeSet priority="Low">',
      '    <recipe>B</recipe>',
      '    <recipe>C</recipe>',
      '  </recipeSet>',
      '</job>',
      '',
    ].join('\n'),
  );
});
