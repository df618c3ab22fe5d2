import { ErlenError } from '../../../common/src/errors.js';
import { closeSchemaValidator, parseJobXml, validateJobXml } from '../../../common/src/job-xml/index.js';
import { fixture, jobXml, timed } from './helpers.js';

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
    expect(ms).toBeLessThan(250);
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
    expect(ms).toBeLessThan(100);
  });

  test('nesting up to the limit is allowed; the limit is configurable', async () => {
    const nested = (depth: number) => `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;
    // 64 levels, counting <job>: this is only invalid, not hostile.
    const result = await validateJobXml(`<job>${nested(63)}</job>`, { skipSchema: true });
    expect(result.ok).toBe(false);
    expect((await refusal(`<job>${nested(64)}</job>`)).error.code).toBe('HOSTILE_XML');
    expect((await refusal(`<job>${nested(5)}</job>`, { maxDepth: 4 })).error.code).toBe('HOSTILE_XML');
  });

  test('a 50 MB body is refused as PAYLOAD_TOO_LARGE at once', async () => {
    const body = `<job>${'x'.repeat(50 * 1024 * 1024)}</job>`;
    const { error, ms } = await refusal(body);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.statusCode).toBe(413);
    expect(ms).toBeLessThan(100);
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
