import { ErlenError } from '../../../common/src/errors.js';
import {
  closeSchemaValidator,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ELEMENTS,
  parseJobXml,
  validateJobXml,
} from '../../../common/src/job-xml/index.js';
import { fixture, jobXml, timed } from './helpers.js';

// Refusals happen before parsing and take milliseconds; what these budgets catch is parsing
// the hostile document (1.5 s to 20 s and more), so they leave room for a busy test machine.
const GUARD_BUDGET_MS = 1000;

afterAll(() => closeSchemaValidator());

async function refusal(input: string | Uint8Array, options = {}): Promise<{ error: ErlenError; ms: number }> {
  const start = performance.now();
  try {
    await validateJobXml(input, options);
  } catch (error) {
    if (error instanceof ErlenError) return { error, ms: performance.now() - start };
    throw error;
  }
  throw new Error('input was not refused');
}

describe('hostile input is refused before parsing', () => {
  test('an external entity (XXE) is refused as HOSTILE_XML with its line', async () => {
    const xml =
      '<?xml version="1.0"?>\n<!DOCTYPE job [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<job>&x;</job>';
    const { error } = await refusal(xml);
    expect(error.code).toBe('HOSTILE_XML');
    expect(error.statusCode).toBe(400);
    expect(error.details).toEqual([{ line: 2, message: 'DOCTYPE declarations are not allowed in job XML' }]);
  });

  test('billion laughs is refused fast', async () => {
    const entities = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++)
      entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    const xml = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n ${entities.join('\n ')}\n]>\n<job>&lol9;</job>`;
    const { error, ms } = await refusal(xml);
    expect(error.code).toBe('HOSTILE_XML');
    expect(ms).toBeLessThan(GUARD_BUDGET_MS);
  });

  test('an ENTITY declaration without DOCTYPE and other markup declarations are refused too', async () => {
    expect((await refusal('<job>\n<!ENTITY x "y">\n</job>')).error.details).toEqual([
      { line: 2, message: 'ENTITY declarations are not allowed in job XML' },
    ]);
    expect((await refusal('<job><!ELEMENT job ANY></job>')).error.code).toBe('HOSTILE_XML');
    expect((await refusal('<!doctype job><job/>')).error.code).toBe('HOSTILE_XML');
  });

  test('a declaration after malformed markup (an unterminated comment) is still refused', async () => {
    const xml = '<job>\n<!-- never closed\n<!DOCTYPE job [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n</job>';
    expect((await refusal(xml)).error.details).toEqual([
      { line: 3, message: 'DOCTYPE declarations are not allowed in job XML' },
    ]);
  });

  test('DOCTYPE text inside comments and CDATA sections is harmless', async () => {
    const xml = jobXml().replace(
      '<whiteboard>test</whiteboard>',
      '<!-- <!DOCTYPE x> --><whiteboard><![CDATA[<!ENTITY y "z">]]></whiteboard>',
    );
    const result = await validateJobXml(xml);
    expect(result).toMatchObject({ ok: true, job: { whiteboard: '<!ENTITY y "z">' } });
  });

  test('10,000-deep nesting is refused in milliseconds without exhausting the stack', async () => {
    const xml = `<job>${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</job>`;
    const { error, ms } = await refusal(xml);
    expect(error.code).toBe('HOSTILE_XML');
    expect(error.message).toMatch(/deeper than 64 levels/);
    expect(ms).toBeLessThan(GUARD_BUDGET_MS);
  });

  test('nesting up to the limit is allowed; the limit is configurable', async () => {
    const nested = (depth: number) => `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;
    // 64 levels, counting <job>: this is only invalid, not hostile.
    const result = await validateJobXml(`<job>${nested(63)}</job>`, { skipSchema: true });
    expect(result.ok).toBe(false);
    expect((await refusal(`<job>${nested(64)}</job>`)).error.code).toBe('HOSTILE_XML');
    expect((await refusal(`<job>${nested(5)}</job>`, { maxDepth: 4 })).error.code).toBe('HOSTILE_XML');
  });

  const siblings = (count: number, tail = '') =>
    `<job>\n<whiteboard>x</whiteboard>\n<recipeSet><recipe><distroRequires/><hostRequires/>${'<task name="/a"/>'.repeat(count)}</recipe></recipeSet>${tail}</job>`;

  test('120,000 sibling elements (2 MB) are refused before any parsing, in milliseconds', async () => {
    const xml = siblings(120_000);
    expect(Buffer.byteLength(xml)).toBeLessThan(DEFAULT_MAX_BYTES);
    const { error, ms } = await refusal(xml);
    console.log(`120,000 siblings refused in ${ms.toFixed(1)} ms`);
    expect(error.code).toBe('HOSTILE_XML');
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('job has 120,006 elements; the limit is 20,000');
    expect(error.details).toEqual([{ line: 3, message: 'more than 20,000 elements' }]);
    expect(ms).toBeLessThan(GUARD_BUDGET_MS);
  });

  test('the element limit counts every element, self-closing or not, and is configurable', async () => {
    expect(DEFAULT_MAX_ELEMENTS).toBe(20_000);
    // Six elements around the tasks: job, whiteboard, recipeSet, recipe, distroRequires, hostRequires.
    const atLimit = siblings(DEFAULT_MAX_ELEMENTS - 6);
    expect((await validateJobXml(atLimit, { skipSchema: true })).ok).toBe(true);
    const { error } = await refusal(siblings(DEFAULT_MAX_ELEMENTS - 5));
    expect(error.message).toBe('job has 20,001 elements; the limit is 20,000');
    expect((await refusal(siblings(10), { maxElements: 15 })).error.message).toBe(
      'job has 16 elements; the limit is 15',
    );
    expect((await validateJobXml(siblings(9), { maxElements: 15, skipSchema: true })).ok).toBe(true);
  });

  test('a legitimate job just under the limit validates in reasonable time', async () => {
    const bigJob = (recipes: number, tasks: number) => {
      const task = (i: number) =>
        `        <task name="/distribution/test${i}" role="STANDALONE"><params><param name="P" value="${i}"/></params></task>`;
      const recipe = [
        '    <recipe>',
        '      <distroRequires><distro_name op="=" value="RHEL-6.3"/></distroRequires>',
        '      <hostRequires/>',
        ...Array.from({ length: tasks }, (_, i) => task(i)),
        '    </recipe>',
      ].join('\n');
      const set = `  <recipeSet priority="Normal">\n${Array(5).fill(recipe).join('\n')}\n  </recipeSet>`;
      return `<job>\n  <whiteboard>big</whiteboard>\n${Array(recipes / 5)
        .fill(set)
        .join('\n')}\n</job>`;
    };
    await validateJobXml(jobXml()); // warm the schema worker
    for (const [recipes, tasks, elements] of [
      [50, 100, 15_212],
      [50, 130, 19_712],
    ] as const) {
      const xml = bigJob(recipes, tasks);
      expect(xml.match(/<[a-z]/gi)).toHaveLength(elements);
      const { ms, value } = await timed(() => validateJobXml(xml));
      console.log(
        `validateJobXml, ${recipes} recipes × ${tasks} tasks with a param (${elements} elements, ${Math.round(xml.length / 1024)} KiB): ${ms.toFixed(0)} ms`,
      );
      expect(value.ok).toBe(true);
      if (value.ok) expect(value.job.recipeSets.flatMap((set) => set.recipes)).toHaveLength(recipes);
      // About 0.2 to 0.4 s on a development machine; generous for loaded CI machines.
      expect(ms).toBeLessThan(3_000);
    }
  });

  test('markup in comments, CDATA and attribute values is not counted', async () => {
    const inert = `<!-- ${'<a/>'.repeat(50)} --><whiteboard><![CDATA[${'<b/>'.repeat(50)}]]></whiteboard>`;
    const xml = jobXml().replace('<whiteboard>test</whiteboard>', inert);
    const result = await validateJobXml(xml, { maxElements: 12, skipSchema: true });
    expect(result.ok).toBe(true);
  });

  test('elements after malformed markup still count (the rest of the text is scanned crudely)', async () => {
    // The unterminated tag stops the exact scan; the siblings behind it are still counted.
    const xml = `<job><whiteboard x="1"<${'<task/>'.repeat(30_000)}</job>`;
    const { error, ms } = await refusal(xml);
    expect(error.message).toBe('job has 30,002 elements; the limit is 20,000');
    expect(ms).toBeLessThan(GUARD_BUDGET_MS);
    // Below the limit, the same kind of document is only not well-formed.
    const small = await validateJobXml('<job><whiteboard x="1"<task/></job>');
    expect(small).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringMatching(/^not well-formed/) }],
    });
  });

  test('a 50 MB body is refused as PAYLOAD_TOO_LARGE at once', async () => {
    const body = `<job>${'x'.repeat(50 * 1024 * 1024)}</job>`;
    const { error, ms } = await refusal(body);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.statusCode).toBe(413);
    expect(ms).toBeLessThan(GUARD_BUDGET_MS);
    const bytes = Buffer.from(body);
    expect((await refusal(bytes)).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('the size cap counts UTF-8 bytes and is configurable', async () => {
    const xml = jobXml().replace('test', 'Ш'.repeat(300));
    expect((await refusal(xml, { maxBytes: xml.length + 100 })).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await validateJobXml(xml, { maxBytes: xml.length + 400 })).ok).toBe(true);
  });

  test('parseJobXml throws the hostile-input errors unchanged', async () => {
    await expect(parseJobXml('<!DOCTYPE job><job/>')).rejects.toMatchObject({ code: 'HOSTILE_XML' });
    await expect(parseJobXml('x'.repeat(3 * 1024 * 1024))).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
  });
});

describe('text that is not UTF-8 XML is invalid, with a clear message', () => {
  test('invalid UTF-8 bytes are reported with their line', async () => {
    const bytes = Buffer.concat([
      Buffer.from('<job>\n<whiteboard>'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('</whiteboard></job>'),
    ]);
    const result = await validateJobXml(bytes);
    expect(result).toEqual({
      ok: false,
      errors: [{ line: 2, message: 'job XML must be UTF-8 text; invalid byte 0xc3 at offset 18' }],
    });
  });

  test('binary junk (NUL and other control characters) is refused', async () => {
    const result = await validateJobXml('<job>\n\n\u0000\u0001\u0002</job>');
    expect(result).toEqual({
      ok: false,
      errors: [{ line: 3, message: 'job XML contains binary data (U+0000 is not allowed in XML)' }],
    });
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect((await validateJobXml(png)).ok).toBe(false);
  });

  test('UTF-16 and declared non-UTF-8 encodings are refused', async () => {
    const utf16 = Buffer.from(`\ufeff${jobXml()}`, 'utf16le');
    expect(await validateJobXml(utf16)).toEqual({
      ok: false,
      errors: [{ line: 1, message: 'job XML must be UTF-8; this document is UTF-16' }],
    });
    const latin1 = `<?xml version="1.0" encoding="ISO-8859-1"?>\n${jobXml()}`;
    expect(await validateJobXml(latin1)).toMatchObject({
      ok: false,
      errors: [{ line: 1, message: expect.stringMatching(/ISO-8859-1/) }],
    });
  });

  test('UTF-8 bytes, with or without a BOM, are accepted', async () => {
    const xml = fixture('complete-job.xml');
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)]);
    const { value } = await timed(() => validateJobXml(withBom));
    expect(value.ok).toBe(true);
    if (value.ok) expect(value.job.extraXml[1]).toContain('heißer Шис');
  });
});
