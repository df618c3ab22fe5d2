// <pool>/<group>, <key_value>, <auto_prov>, force= and the implicit system type.
import { parseHostRequires, withImplicitSystemType } from '../../../common/src/host-filter/index.js';
import { ALL, allBut, matching, matchingFilter, parseOk } from './inventory.js';

type Case = [description: string, xml: string, expected: string[]];

const run = (cases: Case[]) =>
  test.each(cases)('%s', (_description, xml, expected) => {
    expect(matching(xml)).toEqual(expected);
  });

describe('<pool> and deprecated <group>', () => {
  run([
    ['= member of the pool', '<pool value="intel"/>', ['alpha', 'eta', 'kappa']],
    [
      '!= not a member (no pools at all included)',
      '<pool op="!=" value="intel"/>',
      allBut('alpha', 'eta', 'kappa'),
    ],
    ['value "": in no pool', '<pool value=""/>', ['gamma', 'zeta', 'theta', 'iota']],
    [
      '!= "": in some pool',
      '<pool op="!=" value=""/>',
      ['alpha', 'beta', 'delta', 'epsilon', 'eta', 'kappa'],
    ],
    ['like', '<pool op="like" value="RACK%"/>', ['alpha', 'epsilon']],
    ['deprecated group', '<group value="rack-1"/>', ['alpha', 'epsilon']],
    [
      'deprecated group with != ""',
      '<group op="!=" value=""/>',
      ['alpha', 'beta', 'delta', 'epsilon', 'eta', 'kappa'],
    ],
    ['a pool nobody is in', '<pool value="nonexistent"/>', []],
  ]);
});

describe('<key_value>', () => {
  run([
    ['= a value', '<key_value key="HVM" value="1"/>', ['alpha', 'eta', 'kappa']],
    [
      '!= a value: no value equal (a missing key included)',
      '<key_value key="HVM" op="!=" value="1"/>',
      allBut('alpha', 'eta', 'kappa'),
    ],
    [
      '== without value: has the key',
      '<key_value key="HVM" op="=="/>',
      ['alpha', 'beta', 'zeta', 'eta', 'kappa'],
    ],
    [
      '= without value: has the key',
      '<key_value key="HVM" op="="/>',
      ['alpha', 'beta', 'zeta', 'eta', 'kappa'],
    ],
    [
      '!= without value: lacks the key',
      '<key_value key="HVM" op="!="/>',
      ['gamma', 'delta', 'epsilon', 'theta', 'iota'],
    ],
    [
      'numeric keys compare as numbers: 01 = 1',
      '<key_value key="HVM" value="01"/>',
      ['alpha', 'eta', 'kappa'],
    ],
    [
      'numeric keys order as numbers (12 >= 10, 2 < 10)',
      '<key_value key="NR_DISKS" op=">=" value="10"/>',
      ['eta'],
    ],
    ['numeric key, any of several values', '<key_value key="NR_DISKS" op="&lt;" value="2"/>', ['beta']],
    [
      'numeric key, like compares the text',
      '<key_value key="NR_DISKS" op="like" value="1%"/>',
      ['beta', 'eta'],
    ],
    ['numeric key, a value that is not a number matches nothing', '<key_value key="HVM" value="yes"/>', []],
    ['numeric key, != a value that is not a number', '<key_value key="HVM" op="!=" value="yes"/>', ALL],
    [
      'string keys compare as text (ixgbe < megaraid_sas)',
      '<key_value key="MODULE" op=">" value="j"/>',
      ['alpha'],
    ],
    ['string key, any of several values', '<key_value key="MODULE" value="e1000e"/>', ['alpha', 'iota']],
    [
      'string key, like is case-insensitive',
      '<key_value key="NETBOOT_METHOD" op="like" value="GRUB%"/>',
      ['epsilon'],
    ],
    ['string key, = "" is an empty value', '<key_value key="DISPLAY" value=""/>', ['gamma']],
    ['string key, != ""', '<key_value key="DISPLAY" op="!=" value=""/>', allBut('gamma')],
    ['a missing key never equals', '<key_value key="NOPE" value="1"/>', []],
    ['a missing key is never equal', '<key_value key="NOPE" op="!=" value="1"/>', ALL],
    ['ordering without a value constrains nothing', '<key_value key="HVM" op=">"/>', ALL],
    ['like with an empty value constrains nothing', '<key_value key="HVM" op="like" value=""/>', ALL],
  ]);
});

describe('<auto_prov>', () => {
  run([
    ['power config and a lab controller', '<auto_prov value="true"/>', allBut('gamma', 'zeta')],
    ['value 1', '<auto_prov value="1"/>', allBut('gamma', 'zeta')],
    ['false constrains nothing', '<auto_prov value="false"/>', ALL],
    ['under not', '<not><auto_prov value="true"/></not>', ['gamma', 'zeta']],
  ]);
});

describe('force=', () => {
  test('selects the named system whatever its status, and nothing else', () => {
    const parsed = parseHostRequires('<hostRequires force="delta.lab2.example.com"/>');
    expect(parsed).toMatchObject({ ok: true, force: 'delta.lab2.example.com', warnings: [] });
    if (!parsed.ok) return;
    expect(parsed.filter.force).toBe('delta.lab2.example.com');
    expect(matchingFilter(parsed.filter)).toEqual(['delta']);
  });

  test('adds no implicit system type', () => {
    const filter = parseOk('<hostRequires force="gamma.lab2.example.com"/>');
    expect(withImplicitSystemType(filter, 'machine')).toBe(filter);
    expect(matchingFilter(withImplicitSystemType(filter, 'machine'))).toEqual(['gamma']);
  });

  test('cannot be combined with other filters', () => {
    const parsed = parseHostRequires(
      '<hostRequires force="a.example.com">\n  <memory value="1"/>\n</hostRequires>',
    );
    expect(parsed).toEqual({
      ok: false,
      errors: [{ line: 1, message: expect.stringMatching(/cannot be combined with other filters/) }],
    });
  });

  test('an empty force is a warning and filters normally', () => {
    const parsed = parseHostRequires('<hostRequires force=""/>');
    expect(parsed).toMatchObject({
      ok: true,
      warnings: [{ line: 1, message: expect.stringMatching(/empty/) }],
    });
    if (parsed.ok) expect(parsed.force).toBeUndefined();
  });
});

describe('implicit system type', () => {
  const memory = '<hostRequires><system><memory op=">=" value="2048"/></system></hostRequires>';

  test('machine recipes get type = Machine', () => {
    const filter = withImplicitSystemType(parseOk(memory), 'machine');
    expect(matchingFilter(filter)).toEqual(['alpha', 'beta', 'delta', 'eta', 'iota', 'kappa']);
  });

  test('guest recipes get type = Virtual', () => {
    expect(matchingFilter(withImplicitSystemType(parseOk(memory), 'guest'))).toEqual(['theta']);
  });

  test('an empty filter becomes just the type', () => {
    const filter = withImplicitSystemType(parseOk(''), 'machine');
    expect(filter.root).toEqual({ kind: 'text', field: 'type', op: '==', value: 'Machine', implicit: true });
    expect(matchingFilter(filter)).toEqual(['alpha', 'beta', 'delta', 'eta', 'iota', 'kappa']);
  });

  test.each<Case>([
    [
      '<system_type> anywhere',
      '<hostRequires><not><system_type value="Machine"/></not></hostRequires>',
      allBut('alpha', 'beta', 'delta', 'eta', 'iota', 'kappa'),
    ],
    [
      '<system><type> in an or',
      '<or><system><type value="Resource"/></system><system><type value="Laptop"/></system></or>',
      ['gamma', 'epsilon'],
    ],
    ['even an empty <system_type> (which constrains nothing)', '<system_type value=""/>', ALL],
  ])('a filter naming a type gets none: %s', (_description, xml, expected) => {
    const filter = parseOk(xml);
    expect(filter.namesSystemType).toBe(true);
    expect(withImplicitSystemType(filter, 'machine')).toBe(filter);
    expect(matchingFilter(withImplicitSystemType(filter, 'machine'))).toEqual(expected);
  });

  test('a <type> not directly inside <system> does not count (Beaker looks for system/type)', () => {
    const filter = parseOk('<system><and><type value="Laptop"/></and></system>');
    expect(filter.namesSystemType).toBe(false);
    expect(matchingFilter(filter)).toEqual(['gamma']);
    expect(matchingFilter(withImplicitSystemType(filter, 'machine'))).toEqual([]);
  });
});
