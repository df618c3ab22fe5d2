import { XMLValidator } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';
import { renderCloneXml, renderJunitXml, renderResultsXml } from '../../../common/src/job-xml/index.js';
import type { JobView, RecipeView, ResultRowView, TaskView } from '../../../common/src/job-xml/types.js';
import {
  escapeAttr,
  escapeText,
  firstInvalidXmlChar,
  isXmlSafe,
  stripInvalidXmlChars,
} from '../../../common/src/job-xml/xml-text.js';

// Every kind of character XML 1.0 cannot carry, between allowed ones.
const ESC = '\u001b';
const HOSTILE = `a\u0000b\u0008c\u000bd\u000ce${ESC}[31mf\u001fg\ud800h\udfffi\ufffej\uffffk`;
const SAFE_EDGES = 'tab\tnl\ncr\r sp\u0020 \ud7ff \ue000 \ufffd 😀 \u{10ffff} \u007f\u0085';

describe('characters XML cannot carry', () => {
  test('isXmlSafe accepts exactly XML 1.0’s Char production', () => {
    expect(isXmlSafe(SAFE_EDGES)).toBe(true);
    expect(isXmlSafe('')).toBe(true);
    for (const bad of ['\u0000', '\u0008', '\u000b', '\u000c', '\u000e', ESC, '\u001f', '\ufffe', '\uffff'])
      expect(isXmlSafe(`x${bad}y`)).toBe(false);
    // Lone surrogates, either half, anywhere; a proper pair is fine.
    expect(isXmlSafe('\ud83d')).toBe(false);
    expect(isXmlSafe('x\ude00')).toBe(false);
    expect(isXmlSafe('\ude00\ud83d')).toBe(false);
    expect(isXmlSafe('\ud83d\ude00')).toBe(true);
  });

  test('stripInvalidXmlChars removes them (or replaces them) and leaves the rest alone', () => {
    expect(stripInvalidXmlChars(HOSTILE)).toBe('abcde[31mfghijk');
    expect(stripInvalidXmlChars(HOSTILE, '\ufffd')).toBe(
      'a\ufffdb\ufffdc\ufffdd\ufffde\ufffd[31mf\ufffdg\ufffdh\ufffdi\ufffdj\ufffdk',
    );
    expect(stripInvalidXmlChars(SAFE_EDGES)).toBe(SAFE_EDGES);
    const plain = 'nothing to do';
    expect(stripInvalidXmlChars(plain)).toBe(plain);
  });

  test('firstInvalidXmlChar names the first offender for error messages', () => {
    expect(firstInvalidXmlChar(`cancelled ${ESC}[0m`)).toBe('U+001B');
    expect(firstInvalidXmlChar('x\ud800')).toBe('U+D800');
    expect(firstInvalidXmlChar(SAFE_EDGES)).toBeUndefined();
  });

  test('escapeText and escapeAttr replace them with U+FFFD besides escaping markup', () => {
    expect(escapeText(`<a & b>${ESC}`)).toBe('&lt;a &amp; b&gt;\ufffd');
    expect(escapeAttr(`"q"\t${ESC}\n\u0000`)).toBe('&quot;q&quot;&#9;\ufffd&#10;\ufffd');
    expect(escapeText('\ud83d\ude00 \ud83d')).toBe('\ud83d\ude00 \ufffd');
  });
});

const at = (seconds: number) => new Date(Date.UTC(2024, 0, 1, 12, 0, seconds));

function row(id: number, result: ResultRowView['result'], message: string, path = '/'): ResultRowView {
  return { id, path, result, score: '0', startTime: at(id), message, logs: [] };
}

function task(
  id: number,
  status: TaskView['status'],
  result: TaskView['result'],
  results: ResultRowView[],
): TaskView {
  return {
    id,
    name: `/distribution/t${id}`,
    role: 'STANDALONE',
    status,
    result,
    startTime: at(0),
    finishTime: at(30),
    roles: [],
    logs: [{ name: 'taskout.log', href: `https://erlen.example.com/tasks/${id}/taskout.log` }],
    results,
  };
}

/** A cancelled job whose result rows carry terminal escapes and other junk, as a harness might send. */
function jobWithJunk(): JobView {
  const cancel = `cancelled by ${ESC}[31madmin${ESC}[0m: \u0007bell, NUL \u0000, lone \ud800, U+FFFF \uffff`;
  const recipe: RecipeView = {
    id: 1,
    jobId: 1,
    recipeSetId: 1,
    kind: 'machine',
    xml: [
      '<recipe whiteboard="r">',
      '      <distroRequires/>',
      '      <hostRequires/>',
      '      <task name="/distribution/t1" role="STANDALONE"/>',
      '      <task name="/distribution/t2" role="STANDALONE"/>',
      '    </recipe>',
    ].join('\n'),
    whiteboard: `recipe ${ESC}[1mbold`,
    status: 'Cancelled',
    result: 'Warn',
    startTime: at(0),
    finishTime: at(40),
    system: 'host1.example.com',
    roles: [],
    logs: [],
    tasks: [
      task(1, 'Completed', 'Fail', [
        row(1, 'Fail', `failed: ${ESC}[31mred\u0008`, `/distribution/t1/sub${ESC}`),
      ]),
      task(2, 'Cancelled', 'Warn', [row(2, 'Pass', 'fine'), row(3, 'Warn', cancel)]),
    ],
    guests: [],
  };
  return {
    id: 1,
    ownerEmail: 'owner@example.com',
    status: 'Cancelled',
    result: 'Warn',
    whiteboard: `job ${ESC} whiteboard`,
    notifyCc: [`cc\u0001@example.com`],
    extraXml: [],
    recipeSets: [
      { id: 1, priority: 'Normal', waived: false, status: 'Cancelled', result: 'Warn', recipes: [recipe] },
    ],
  };
}

/** Well-formed by fast-xml-parser, by the XML Char production, and by libxml2 itself. */
async function expectWellFormed(xml: string): Promise<void> {
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(firstInvalidXmlChar(xml)).toBeUndefined();
  const libxml2 = await validateXML({ xml: [{ fileName: 'out.xml', contents: xml }], normalization: 'c14n' });
  expect(libxml2.errors).toEqual([]);
  expect(libxml2.valid).toBe(true);
}

describe('exports stay well-formed whatever the stored strings contain', () => {
  test('libxml2 does refuse the raw characters (so the checks below can fail)', async () => {
    const raw = `<result>${ESC}[31m</result>`;
    const libxml2 = await validateXML({
      xml: [{ fileName: 'raw.xml', contents: raw }],
      normalization: 'c14n',
    });
    expect(libxml2.valid).toBe(false);
  });

  test('results XML', async () => {
    const xml = renderResultsXml(jobWithJunk());
    await expectWellFormed(xml);
    expect(xml).toContain(
      'cancelled by \ufffd[31madmin\ufffd[0m: \ufffdbell, NUL \ufffd, lone \ufffd, U+FFFF \ufffd',
    );
    expect(xml).toContain(`path="/distribution/t1/sub\ufffd"`);
    expect(xml).toContain('<whiteboard>job \ufffd whiteboard</whiteboard>');
  });

  test('JUnit XML, where the cancel message is an attribute', async () => {
    const xml = renderJunitXml(jobWithJunk());
    await expectWellFormed(xml);
    expect(xml).toContain(
      '<skipped message="cancelled by \ufffd[31madmin\ufffd[0m: \ufffdbell, NUL \ufffd, lone \ufffd',
    );
    expect(xml).toContain('name="recipe \ufffd[1mbold"');
  });

  test('clone XML', async () => {
    const job = jobWithJunk();
    const xml = renderCloneXml({
      whiteboard: job.whiteboard,
      notifyCc: job.notifyCc,
      extraXml: [],
      group: `g${ESC}`,
      recipeSets: [{ recipesXml: job.recipeSets.flatMap((set) => set.recipes.map((r) => r.xml)) }],
    });
    await expectWellFormed(xml);
  });
});
