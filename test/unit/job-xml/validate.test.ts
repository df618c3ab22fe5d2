import { ErlenError } from '../../../common/src/errors.js';
import { closeSchemaValidator, parseJobXml, validateJobXml } from '../../../common/src/job-xml/index.js';
import type { XmlIssue } from '../../../common/src/job-xml/types.js';
import { fixture, FIXTURE_JOBS, jobXml, lineOf, recipe } from './helpers.js';

afterAll(() => closeSchemaValidator());

async function errorsOf(xml: string): Promise<XmlIssue[]> {
  const result = await validateJobXml(xml);
  if (result.ok) throw new Error('expected the job to be rejected');
  return result.errors;
}

/** Asserts an error on the line of `needle` whose message matches `pattern`. */
async function expectError(xml: string, needle: string, pattern: RegExp): Promise<void> {
  const errors = await errorsOf(xml);
  expect(errors).toContainEqual({ line: lineOf(xml, needle), message: expect.stringMatching(pattern) });
}

describe('accepted jobs', () => {
  test.each(FIXTURE_JOBS)('Beaker sample %s is valid', async (name) => {
    const result = await validateJobXml(fixture(name));
    expect(result.ok).toBe(true);
  });

  test('deprecated spellings and ignored virt filters come back as warnings', async () => {
    const xml = fixture('complete-job.xml');
    const result = await validateJobXml(xml);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.warnings).toContainEqual({
      line: lineOf(xml, '<distro_name'),
      message: '<distro_name> is deprecated; use <name>',
    });
    expect(result.warnings).toContainEqual({
      line: lineOf(xml, '<distro_virt'),
      message: '<distro_virt> is ignored: dynamic virtualisation is not supported',
    });
    expect(result.warnings).toContainEqual({
      line: lineOf(xml, '<system_type'),
      message: '<system_type> is deprecated; use <system><type>',
    });
  });

  test('a minimal job with every optional part left out is valid', async () => {
    expect((await validateJobXml(jobXml(recipe(), ''))).ok).toBe(true);
  });
});

describe('well-formedness', () => {
  test('the parser message is reported with its line', async () => {
    const xml = '<job>\n  <recipeSet>\n  </recipe>\n</job>';
    expect(await errorsOf(xml)).toEqual([
      { line: 3, column: 3, message: expect.stringMatching(/^not well-formed: .*recipeSet/) },
    ]);
  });

  test('an empty document and plain text are not job XML', async () => {
    expect(await errorsOf('   ')).toEqual([{ line: 1, message: 'the document is empty' }]);
    expect((await errorsOf('hello')).length).toBe(1);
  });

  test('an undefined entity, which fast-xml-parser lets through, is caught by libxml2', async () => {
    const xml = jobXml().replace('<whiteboard>test', '<whiteboard>&nbsp;');
    await expectError(xml, '&nbsp;', /Entity 'nbsp' not defined/);
  });
});

describe('schema (RELAX NG) errors carry the line of the offending element', () => {
  test('an attribute the schema does not allow', async () => {
    const xml = jobXml(recipe({ extra: '      <watchdog panic="None" colour="red"/>' }));
    expect(await errorsOf(xml)).toEqual([
      {
        line: lineOf(xml, '<watchdog'),
        message: '<watchdog>: Invalid attribute colour for element watchdog',
      },
    ]);
  });

  test('a job in a namespace is not a Beaker job', async () => {
    const xml = '<job xmlns="http://example.com/x">\n  <recipeSet/>\n</job>';
    const errors = await errorsOf(xml);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((issue) => typeof issue.line === 'number')).toBe(true);
  });
});

describe("Beaker's semantic rules, each reported on the offending element's line", () => {
  test('a recipe set needs a recipe', async () => {
    const xml = jobXml('    <!-- nothing here -->');
    await expectError(xml, '<recipeSet', /<recipeSet> has no <recipe>/);
  });

  test('a job needs a recipe set', async () => {
    await expectError('<job>\n  <whiteboard/>\n</job>', '<job>', /<job> has no <recipeSet>/);
  });

  test('a recipe needs a task', async () => {
    const xml = jobXml(recipe({ tasks: '      <!-- no tasks -->' }));
    await expectError(xml, '<recipe>', /<recipe> has no <task>/);
  });

  test('priority must be a known value', async () => {
    const xml = jobXml(recipe(), ' priority="Whenever"');
    await expectError(
      xml,
      '<recipeSet',
      /priority="Whenever" is not one of Low, Medium, Normal, High, Urgent/,
    );
  });

  test('a task needs a name unless it has <fetch>', async () => {
    const tasks = [
      '      <task role="STANDALONE"/>',
      '      <task><fetch url="git://example.com/t.git"/></task>',
    ].join('\n');
    const xml = jobXml(recipe({ tasks }));
    const errors = await errorsOf(xml);
    expect(errors).toEqual([
      { line: lineOf(xml, '<task role'), message: expect.stringMatching(/<task> needs a name attribute/) },
    ]);
  });

  test('distroRequires ops must suit the element', async () => {
    const distro = [
      '      <distroRequires>',
      '        <and><distro_tag op="&gt;" value="RELEASED"/></and>',
      '        <name op="~" value="RHEL%"/>',
      '        <family op="&lt;=" value="RedHatEnterpriseLinux7"/>',
      '      </distroRequires>',
    ].join('\n');
    const xml = jobXml(recipe({ distro }));
    const errors = await errorsOf(xml);
    expect(errors).toContainEqual({
      line: lineOf(xml, '<and><distro_tag'),
      message: expect.stringMatching(/op=">" is not allowed here; use one of = == != like/),
    });
    expect(errors).toContainEqual({
      line: lineOf(xml, '<name op'),
      message: expect.stringMatching(/op="~" is not an operator/),
    });
    expect(errors.filter((issue) => issue.line === lineOf(xml, '<family'))).toEqual([]);
  });

  test('every op inside hostRequires must be an operator, and equality elements take only equality ops', async () => {
    const host = [
      '      <hostRequires>',
      '        <and>',
      '          <or><system><memory op="=~" value="1024"/></system></or>',
      '          <system><name op="&gt;" value="a.example.com"/></system>',
      '          <key_value key="HVM" op="is" value="1"/>',
      '        </and>',
      '      </hostRequires>',
    ].join('\n');
    const xml = jobXml(recipe({ host }));
    const errors = await errorsOf(xml);
    expect(errors).toContainEqual({
      line: lineOf(xml, '<or><system><memory'),
      message: expect.stringMatching(/<memory> in <system>: op="=~" is not an operator/),
    });
    expect(errors).toContainEqual({
      line: lineOf(xml, '<system><name'),
      message: expect.stringMatching(/<name> in <system>: op=">" is not allowed here/),
    });
    expect(errors).toContainEqual({
      line: lineOf(xml, '<key_value'),
      message: expect.stringMatching(/op="is" is not an operator/),
    });
  });

  test('units must be a known unit', async () => {
    const host =
      '      <hostRequires>\n        <disk><size op="&gt;" value="10" units="GiBs"/></disk>\n      </hostRequires>';
    const xml = jobXml(recipe({ host }));
    await expectError(
      xml,
      '<disk><size',
      /units="GiBs" is not a unit; use one of bytes B kB KB KiB MB MiB GB GiB TB TiB/,
    );
  });

  test('force= excludes other host filters', async () => {
    const host =
      '      <hostRequires force="lab1.example.com">\n        <system_type value="Machine"/>\n      </hostRequires>';
    const xml = jobXml(recipe({ host }));
    await expectError(xml, '<hostRequires force', /cannot be combined with other filters/);
  });

  test('numeric host filters need numbers and date filters need YYYY-MM-DD', async () => {
    const host = [
      '      <hostRequires>',
      '        <memory op="&gt;=" value="lots"/>',
      '        <cpu><speed op="&gt;" value="fast"/><cores op="&gt;" value="4"/></cpu>',
      '        <diskcount op="&gt;" value="two"/>',
      '        <system><added op="&gt;" value="2020-13-01"/></system>',
      '        <system><last_inventoried op="=" value=""/></system>',
      '      </hostRequires>',
    ].join('\n');
    const xml = jobXml(recipe({ host }));
    const errors = await errorsOf(xml);
    expect(errors).toContainEqual({
      line: lineOf(xml, '<memory'),
      message: expect.stringMatching(/value="lots" is not a whole number/),
    });
    expect(errors).toContainEqual({
      line: lineOf(xml, '<cpu><speed'),
      message: expect.stringMatching(/value="fast" is not a number/),
    });
    expect(errors).toContainEqual({
      line: lineOf(xml, '<diskcount'),
      message: expect.stringMatching(/value="two" is not a whole number/),
    });
    expect(errors).toContainEqual({
      line: lineOf(xml, '<system><added'),
      message: expect.stringMatching(/is not a date \(YYYY-MM-DD\)/),
    });
    expect(errors.filter((issue) => issue.line === lineOf(xml, '<last_inventoried'))).toEqual([]);
  });

  test('reservesys duration must be a non-negative whole number', async () => {
    for (const duration of ['-5', '1.5', 'a day']) {
      const xml = jobXml(recipe({ extra: `      <reservesys duration="${duration}"/>` }));
      await expectError(xml, '<reservesys', /must be a whole number of seconds/);
    }
    expect((await validateJobXml(jobXml(recipe({ extra: '      <reservesys duration="0"/>' })))).ok).toBe(
      true,
    );
  });

  test('partition size must be numeric', async () => {
    const xml = jobXml(
      recipe({
        extra: '      <partitions>\n        <partition name="/mnt" size="big"/>\n      </partitions>',
      }),
    );
    await expectError(xml, '<partition name', /size="big" must be a whole number of GB/);
  });

  test('a recipe needs distroRequires or distro, and hostRequires', async () => {
    const xml = jobXml(recipe({ distro: '', host: '' }));
    const errors = await errorsOf(xml);
    expect(errors).toContainEqual({
      line: lineOf(xml, '<recipe>'),
      message: '<recipe> needs either <distroRequires> or <distro>',
    });
    expect(errors).toContainEqual({
      line: lineOf(xml, '<recipe>'),
      message: '<recipe> needs a <hostRequires> element (it may be empty)',
    });
  });

  test('notify addresses must be e-mail addresses', async () => {
    const xml = jobXml().replace('<whiteboard>', '<notify><cc>not an address</cc></notify>\n  <whiteboard>');
    await expectError(xml, '<notify><cc>', /"not an address" is not an e-mail address/);
  });

  test('ks_meta and kernel options must parse like a shell command line', async () => {
    const xml = jobXml(recipe({ attrs: ` kernel_options='console="ttyS0'` }));
    await expectError(
      xml,
      '<recipe kernel_options',
      /kernel_options cannot be parsed: no closing double quote/,
    );
  });

  test('a misspelt element is reported even where libxml2 stops looking', async () => {
    const xml = fixture('complete-job.xml')
      .replace('when="always"', 'when="whenever"')
      .replace('<repos/>\n      <distroRequires>', '<repo/>\n      <distroRequires>');
    const errors = await errorsOf(xml);
    expect(errors).toContainEqual({
      line: lineOf(xml, '<repo/>'),
      message: '<repo> is not allowed in <recipe>',
    });
    expect(errors).toContainEqual({
      line: lineOf(xml, '<reservesys'),
      message: expect.stringMatching(/when="whenever" must be one of always, onwarn, onfail, onabort/),
    });
  });
});

describe('collecting errors', () => {
  test('all problems are reported together, in line order', async () => {
    const xml = jobXml(
      [
        recipe({ tasks: '      <task/>' }),
        recipe({ host: '      <hostRequires><memory value="x"/></hostRequires>' }),
        recipe({ extra: '      <reservesys duration="soon"/>' }),
      ].join('\n'),
      ' priority="Top"',
    );
    const errors = await errorsOf(xml);
    expect(errors.map((issue) => issue.line)).toEqual([
      lineOf(xml, '<recipeSet'),
      lineOf(xml, '<task/>'),
      lineOf(xml, '<memory'),
      lineOf(xml, '<reservesys'),
    ]);
  });

  test('parseJobXml throws INVALID_JOB_XML (400) with every issue in details', async () => {
    const xml = jobXml(recipe({ tasks: '      <task/>' }), ' priority="Top"');
    const error = await parseJobXml(xml).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ErlenError);
    expect(error).toMatchObject({ code: 'INVALID_JOB_XML', statusCode: 400 });
    const details = (error as ErlenError).details as XmlIssue[];
    expect(details).toHaveLength(2);
    expect((error as ErlenError).message).toBe(
      `invalid job XML: line ${lineOf(xml, '<recipeSet')}: ${details[0]?.message} (and 1 more problem)`,
    );
  });

  test('parseJobXml returns the JobSpec of a valid job', async () => {
    const spec = await parseJobXml(fixture('complete-job.xml'));
    expect(spec.recipeSets).toHaveLength(1);
  });
});
