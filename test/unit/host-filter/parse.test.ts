// parseHostRequires: validation shared with job submission, the AST, fragments and hostile input.
import { parseHostRequires, MATCH_ALL } from '../../../common/src/host-filter/index.js';
import { BUILT_ELEMENTS } from '../../../common/src/host-filter/build.js';
import { HOSTREQ_RULES, type HostReqContext } from '../../../common/src/job-xml/hostreq-rules.js';
import { parseOk } from './inventory.js';

const errorsOf = (xml: string) => {
  const parsed = parseHostRequires(xml);
  if (parsed.ok) throw new Error('expected errors');
  return parsed.errors;
};

const warningsOf = (xml: string) => {
  const parsed = parseHostRequires(xml);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('; '));
  return parsed.warnings;
};

describe('the element tables', () => {
  test.each<HostReqContext>(['host', 'system', 'cpu', 'disk'])(
    'every element submission accepts in <%s> is built, and no other',
    (context) => {
      expect([...BUILT_ELEMENTS[context]].sort()).toEqual(Object.keys(HOSTREQ_RULES[context]).sort());
    },
  );
});

describe('the tree', () => {
  test('leaves carry parsed values: numbers, bytes, days', () => {
    expect(parseOk('<memory op=">" value=" 4096 "/>').root).toEqual({
      kind: 'number',
      field: 'memory',
      op: '>',
      value: 4096,
    });
    expect(parseOk('<diskspace value="2" units="KiB"/>').root).toEqual({
      kind: 'number',
      field: 'diskSpace',
      op: '==',
      value: 2048,
      units: 'KiB',
    });
    expect(parseOk('<system><added op="&lt;=" value="1970-01-03"/></system>').root).toEqual({
      kind: 'date',
      field: 'added',
      op: '<=',
      day: 2,
    });
  });

  test('containers become and; single children are not wrapped; empty leaves are dropped', () => {
    const xml =
      '<hostRequires><system><vendor value=""/><memory value="1"/></system><cpu><cores value="2"/></cpu></hostRequires>';
    expect(parseOk(xml).root).toEqual({
      kind: 'and',
      children: [
        { kind: 'number', field: 'memory', op: '==', value: 1 },
        { kind: 'number', field: 'cpuCores', op: '==', value: 2 },
      ],
    });
  });

  test('parsed filters are frozen (compiled predicates are cached per node)', () => {
    const filter = parseOk('<and><memory value="1"/><memory value="2"/></and>');
    expect(Object.isFrozen(filter)).toBe(true);
    expect(Object.isFrozen(filter.root)).toBe(true);
    expect(() => {
      (filter.root as { kind: string }).kind = 'or';
    }).toThrow(TypeError);
  });

  test('"" means no <hostRequires>: everything matches', () => {
    expect(parseHostRequires('')).toEqual({ ok: true, filter: MATCH_ALL, warnings: [] });
    expect(parseHostRequires('  \n ')).toEqual({ ok: true, filter: MATCH_ALL, warnings: [] });
  });

  test('a fragment is read as the content of <hostRequires>', () => {
    const root = parseOk(
      '<?xml version="1.0"?><system><memory value="1"/></system><cpu><cores value="2"/></cpu>',
    ).root;
    expect(root).toMatchObject({ kind: 'and', children: [{ field: 'memory' }, { field: 'cpuCores' }] });
    expect(parseOk('<!-- c --><hostRequires><memory value="3"/></hostRequires>').root).toMatchObject({
      value: 3,
    });
  });
});

describe('problems', () => {
  test('the same checks as job submission, with lines', () => {
    const xml = [
      '<hostRequires>',
      '  <system><memory op="=~" value="1024"/></system>',
      '  <system><name op=">" value="a"/></system>',
      '  <disk><size value="10" units="GiBs"/></disk>',
      '  <cpu><speed value="fast"/></cpu>',
      '  <system><added value="2020-02-30"/></system>',
      '  <memory units="MB" value="1"/>',
      '</hostRequires>',
    ].join('\n');
    expect(errorsOf(xml)).toEqual([
      { line: 2, message: expect.stringMatching(/op="=~" is not an operator/) },
      { line: 3, message: expect.stringMatching(/op=">" is not allowed here/) },
      { line: 4, message: expect.stringMatching(/units="GiBs" is not a unit/) },
      { line: 5, message: expect.stringMatching(/value="fast" is not a number/) },
      { line: 6, message: expect.stringMatching(/not a date/) },
      { line: 7, message: expect.stringMatching(/takes no units attribute/) },
    ]);
  });

  test('unknown elements and deprecated spellings are warnings', () => {
    const xml =
      '<hostRequires>\n<foo><system><memory value="1"/></system></foo>\n<hostname value="a"/>\n</hostRequires>';
    expect(warningsOf(xml)).toEqual([
      {
        line: 2,
        message: expect.stringMatching(
          /<foo> in <hostRequires> is not a known host filter; it acts like <and>/,
        ),
      },
      { line: 3, message: '<hostname> is deprecated; use <system><name>' },
    ]);
  });

  test('children of unknown elements are still checked', () => {
    expect(errorsOf('<foo><memory value="x"/></foo>')).toEqual([
      {
        line: 1,
        message: expect.stringMatching(/<memory> in <hostRequires>: value="x" is not a whole number/),
      },
    ]);
  });

  test('a key_value without key is a warning and constrains nothing', () => {
    const parsed = parseHostRequires('<key_value value="1"/>');
    expect(parsed).toMatchObject({
      ok: true,
      warnings: [{ message: expect.stringMatching(/without a key/) }],
    });
    if (parsed.ok) expect(parsed.filter.root).toEqual({ kind: 'and', children: [] });
  });

  test('malformed XML', () => {
    expect(errorsOf('<hostRequires><memory value="1"></hostRequires>')).toEqual([
      { line: 1, column: expect.any(Number), message: expect.stringMatching(/not well-formed/) },
    ]);
  });

  test('DTDs and deep nesting are refused before parsing', () => {
    const dtd = '<!DOCTYPE x [<!ENTITY a "b">]><hostRequires/>';
    expect(errorsOf(dtd)[0]?.message).toMatch(/DOCTYPE|declaration/i);
    const deep = `${'<and>'.repeat(100)}${'</and>'.repeat(100)}`;
    expect(errorsOf(deep)[0]?.message).toMatch(/nesting deeper than 64/);
  });

  test('a fragment keeps its line numbers, XML declaration included', () => {
    expect(errorsOf('<?xml version="1.0"\n?>\n<system>\n<memory value="x"/></system>')).toEqual([
      { line: 4, message: expect.stringMatching(/value="x" is not a whole number/) },
    ]);
  });

  test('a long prolog of comments is scanned in linear time', () => {
    const comments = '<!--a-->'.repeat(50_000);
    const start = performance.now();
    expect(parseOk(`${comments}<memory value="1"/>`).root).toMatchObject({ field: 'memory' });
    expect(errorsOf(`${comments}<memory value="1">`)[0]?.message).toMatch(/not well-formed/);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  test('oversized input', () => {
    expect(parseHostRequires('<hostRequires/>', { maxBytes: 10 })).toEqual({
      ok: false,
      errors: [{ message: 'host filter larger than 10 characters' }],
    });
  });
});
