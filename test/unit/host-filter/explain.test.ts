// explainHost: the first failing predicate, worded for people and stable for grouping.
import {
  explainHost,
  explainHostDetail,
  withImplicitSystemType,
} from '../../../common/src/host-filter/index.js';
import { INVENTORY, parseOk, short } from './inventory.js';

const system = (name: string) => {
  const facts = INVENTORY.find((candidate) => short(candidate) === name);
  if (!facts) throw new Error(`no system ${name}`);
  return facts;
};

const reason = (xml: string, name: string) => explainHost(parseOk(xml), system(name));

test.each<[xml: string, system: string, reason: string]>([
  ['<system><memory op=">=" value="8192"/></system>', 'beta', 'memory 4096 < 8192'],
  ['<system><memory op=">" value="8192"/></system>', 'epsilon', 'memory unknown'],
  ['<system><memory op="!=" value="8192"/></system>', 'gamma', 'memory 8192 = 8192'],
  ['<device driver="e1000e"/>', 'beta', 'no device with driver=e1000e'],
  [
    '<device op="!=" driver="e1000e" type="NETWORK"/>',
    'alpha',
    'has a device with type=NETWORK driver=e1000e',
  ],
  ['<device op="like" driver="e1000%"/>', 'beta', 'no device with driver like e1000%'],
  ['<key_value key="HVM" value="1"/>', 'gamma', 'key_value HVM missing'],
  ['<key_value key="HVM" value="1"/>', 'beta', 'key_value HVM 0 != 1'],
  ['<key_value key="NR_DISKS" op=">" value="12"/>', 'eta', 'key_value NR_DISKS 3,12 <= 12'],
  ['<key_value key="HVM" op="!=" value="1"/>', 'alpha', 'key_value HVM is 1'],
  ['<key_value key="HVM" op="=="/>', 'gamma', 'key_value HVM missing'],
  ['<key_value key="HVM" op="!="/>', 'alpha', 'key_value HVM present'],
  ['<cpu><cores op=">=" value="4"/></cpu>', 'delta', 'no cpu data (cpu/cores >= 4)'],
  ['<cpu><flag value="vmx"/></cpu>', 'beta', 'no cpu/flag vmx'],
  ['<cpu><flag op="!=" value="vmx"/></cpu>', 'alpha', 'has cpu/flag vmx'],
  ['<cpu><hyper value="true"/></cpu>', 'beta', 'cpu/hyper is false'],
  ['<system><arch value="ppc64le"/></system>', 'alpha', 'no arch ppc64le (has x86_64, i386)'],
  ['<pool value="gpu"/>', 'gamma', 'no pool gpu (has none)'],
  ['<pool value=""/>', 'alpha', 'in pool intel, rack-1'],
  ['<pool op="!=" value=""/>', 'gamma', 'in no pool'],
  [
    '<labcontroller value="lab1.example.com"/>',
    'zeta',
    'labcontroller not set (wants labcontroller = lab1.example.com)',
  ],
  [
    '<labcontroller value="lab1.example.com"/>',
    'gamma',
    'labcontroller lab2.example.com != lab1.example.com',
  ],
  ['<system><vendor op="like" value="dell%"/></system>', 'beta', 'vendor HP not like dell%'],
  ['<system><vendor value="HP"/></system>', 'epsilon', 'vendor "" != HP'],
  ['<system><added op="&lt;" value="2021-01-01"/></system>', 'beta', 'added 2021-06-01 >= 2021-01-01'],
  ['<system><last_inventoried op=">" value="2021-01-01"/></system>', 'delta', 'never inventoried'],
  ['<system><last_inventoried value=""/></system>', 'iota', 'inventoried on 2021-06-01'],
  ['<disk><size op=">=" value="2" units="TB"/></disk>', 'alpha', 'no disk with size >= 2 TB'],
  [
    '<disk><model value="x"/><not><size value="1" units="GB"/></not></disk>',
    'beta',
    'no disk with model = x and not (size = 1 GB)',
  ],
  ['<disk/>', 'delta', 'no disks'],
  ['<diskspace op=">" value="1" units="TiB"/>', 'beta', 'diskspace 0.23 TiB <= 1 TiB'],
  ['<diskspace op=">" value="1" units="TiB"/>', 'delta', 'no disks (diskspace unknown)'],
  ['<diskcount op=">" value="1"/>', 'beta', 'diskcount 1 <= 1'],
  ['<auto_prov value="true"/>', 'gamma', 'no power control (auto_prov)'],
  ['<auto_prov value="true"/>', 'zeta', 'no lab controller (auto_prov)'],
  [
    '<system><compatible_with_distro arch="x86_64" osmajor="RedHatEnterpriseLinux7"/></system>',
    'iota',
    'excludes RedHatEnterpriseLinux7 on x86_64',
  ],
  [
    '<system><compatible_with_distro arch="aarch64" osmajor="Fedora40" osminor="1"/></system>',
    'alpha',
    'arch aarch64 not supported',
  ],
  [
    '<system><compatible_with_distro arch="x86_64"/></system>',
    'alpha',
    'compatible_with_distro needs both arch and osmajor',
  ],
  [
    '<hostRequires force="beta.lab1.example.com"/>',
    'alpha',
    'name alpha.lab1.example.com != beta.lab1.example.com',
  ],
  [
    '<or><system><memory op=">" value="100000"/></system><pool value="gpu"/></or>',
    'alpha',
    'none of: memory 16384 <= 100000; no pool gpu (has intel, rack-1)',
  ],
  ['<not><system><vendor value="HP"/></system></not>', 'beta', 'matches vendor = HP (inside <not>)'],
  [
    '<system><memory op=">" value="1"/><memory op=">" value="10000"/><memory op=">" value="20000"/></system>',
    'alpha',
    'memory 16384 <= 20000',
  ],
])('%s on %s: %s', (xml, name, expected) => {
  expect(reason(xml, name)).toBe(expected);
});

test('a matching system has no reason', () => {
  expect(reason('<system><memory op=">=" value="8192"/></system>', 'alpha')).toBeUndefined();
  expect(explainHostDetail(parseOk('<memory value="1"/>'), system('alpha'))).toMatchObject({
    predicate: 'memory = 1',
  });
});

test('the predicate is the same for every system a leaf rejects; the reason has each one’s value', () => {
  const filter = parseOk('<system><memory op=">=" value="8192"/></system>');
  expect(explainHostDetail(filter, system('beta'))).toEqual({
    predicate: 'memory >= 8192',
    reason: 'memory 4096 < 8192',
  });
  expect(explainHostDetail(filter, system('zeta'))).toEqual({
    predicate: 'memory >= 8192',
    reason: 'memory 2048 < 8192',
  });
});

test('the first failing predicate is named, in document order', () => {
  const filter = parseOk(
    '<hostRequires><pool value="gpu"/><system><memory op=">" value="9999999"/></system></hostRequires>',
  );
  expect(explainHostDetail(filter, system('alpha'))?.predicate).toBe('pool = gpu');
  expect(explainHostDetail(filter, system('eta'))?.predicate).toBe('memory > 9999999');
});

test('the implicit type says so', () => {
  const filter = withImplicitSystemType(parseOk('<system><memory op=">" value="1"/></system>'), 'machine');
  expect(explainHostDetail(filter, system('gamma'))).toEqual({
    predicate: 'type = Machine (implicit)',
    reason: 'type Laptop != Machine (implicit)',
  });
});
