import { buildUrl } from '../../../cli/src/api-client.js';
import { describeTree, parseDistroTrees } from '../../../cli/src/commands/distro-trees-import.js';
import { jobListQuery } from '../../../cli/src/commands/job-list.js';
import { resultsFormat } from '../../../cli/src/commands/job-results.js';
import { parseKeyValues, parseSystemJson, systemInput } from '../../../cli/src/commands/system-create.js';
import { systemListQuery } from '../../../cli/src/commands/system-list.js';
import { UsageError } from '../../../cli/src/errors.js';

describe('buildUrl', () => {
  it('keeps the base path, repeats array keys and skips undefined values', () => {
    expect(
      buildUrl('https://h/erlen', '/jobs', { status: ['Running', 'Queued'], owner: undefined, limit: 5 }),
    ).toBe('https://h/erlen/jobs?status=Running&status=Queued&limit=5');
    expect(buildUrl('http://h', '/jobs/3.xml')).toBe('http://h/jobs/3.xml');
  });
});

describe('jobListQuery', () => {
  it('maps every option, splitting comma lists and canonicalising statuses', () => {
    expect(
      jobListQuery({
        owner: 'alice',
        mine: true,
        status: ['running,QUEUED', 'Completed'],
        whiteboard: 'kernel',
        limit: 10,
        format: 'list',
      }),
    ).toEqual({
      owner: 'alice',
      mine: 'true',
      status: ['Running', 'Queued', 'Completed'],
      whiteboard: 'kernel',
      limit: 10,
    });
  });

  it('sends nothing for options not given', () => {
    expect(Object.values(jobListQuery({ format: 'json' })).every((value) => value === undefined)).toBe(true);
  });

  it('rejects unknown statuses as usage errors', () => {
    expect(() => jobListQuery({ status: ['Runing'], format: 'list' })).toThrow(UsageError);
  });
});

describe('resultsFormat', () => {
  it("accepts bkr's format names", () => {
    expect(resultsFormat('beaker-results-xml')).toBe('beaker');
    expect(resultsFormat('junit-xml')).toBe('junit');
    expect(resultsFormat('json')).toBe('json');
  });
});

describe('system-create mapping', () => {
  it('collects repeated keys into arrays', () => {
    expect(parseKeyValues(['NETBOOT=yes', 'DISK=1', 'DISK=2', 'EMPTY='])).toEqual({
      NETBOOT: 'yes',
      DISK: ['1', '2'],
      EMPTY: '',
    });
    expect(() => parseKeyValues(['=x'])).toThrow(UsageError);
    expect(() => parseKeyValues(['novalue'])).toThrow(/expected KEY=VALUE/);
  });

  it('builds a SystemInput from flags', () => {
    expect(
      systemInput('s1.example', {
        labController: 'lab1',
        arch: ['x86_64', 'i386'],
        condition: 'automated',
        type: 'laptop',
        memory: 4096,
        powerType: 'ipmilan',
        powerAddress: '10.0.0.5',
        powerPassword: 'pw',
        keyValue: ['CPUVENDOR=Intel'],
      }),
    ).toEqual({
      fqdn: 's1.example',
      labController: 'lab1',
      arches: ['x86_64', 'i386'],
      status: 'Automated',
      type: 'Laptop',
      memory: 4096,
      power: { type: 'ipmilan', address: '10.0.0.5', password: 'pw' },
      keyValues: { CPUVENDOR: 'Intel' },
    });
  });

  it('lets flags override the --json document field by field', () => {
    const base = parseSystemJson(
      JSON.stringify({
        fqdn: 'from-json',
        arches: ['s390x'],
        cpu: { cores: 8 },
        power: { type: 'virsh', address: 'qemu:///system', id: 'vm1' },
        keyValues: { A: '1', B: '2' },
        vendor: 'IBM',
      }),
      'sys.json',
    );
    expect(systemInput(undefined, { powerId: 'vm2', keyValue: ['B=3'], vendor: 'Lenovo' }, base)).toEqual({
      fqdn: 'from-json',
      arches: ['s390x'],
      cpu: { cores: 8 },
      power: { type: 'virsh', address: 'qemu:///system', id: 'vm2' },
      keyValues: { A: '1', B: '3' },
      vendor: 'Lenovo',
    });
    expect(systemInput('arg-wins', {}, base).fqdn).toBe('arg-wins');
  });

  it('refuses incomplete input', () => {
    expect(() => systemInput(undefined, {})).toThrow(/needs the FQDN/);
    expect(() => systemInput('s', { powerAddress: 'a' })).toThrow(/--power-type and --power-address/);
    expect(() => systemInput('s', { status: 'Broke' })).toThrow(/unknown system status "Broke"/);
    expect(() => parseSystemJson('[]', 'x.json')).toThrow(/expected a JSON object/);
  });
});

describe('systemListQuery', () => {
  it('maps filters to the query of GET /systems', () => {
    expect(
      systemListQuery({ status: 'manual', labController: 'lab1', arch: 'ppc64le', format: 'list' }),
    ).toEqual({
      status: 'Manual',
      labController: 'lab1',
      arch: 'ppc64le',
    });
  });
});

describe('parseDistroTrees', () => {
  it('accepts one tree or an array', () => {
    const tree = {
      name: 'RHEL-9.4',
      arch: 'x86_64',
      variant: 'BaseOS',
      osMajor: 'RedHatEnterpriseLinux9',
      labUrls: [{ labController: 'lab.example.com', url: 'http://lab.example.com/rhel/' }],
    };
    expect(parseDistroTrees(JSON.stringify(tree), 't.json')).toEqual([tree]);
    expect(parseDistroTrees(JSON.stringify([tree, tree]), 't.json')).toHaveLength(2);
    expect(describeTree(tree)).toBe('RHEL-9.4 BaseOS x86_64');
  });

  it('points at the bad element', () => {
    expect(() => parseDistroTrees('[{"name":"a","arch":"x"}, 3]', 't.json')).toThrow(
      't.json[1]: expected a distro tree object',
    );
    expect(() => parseDistroTrees('{"name":"a"}', 't.json')).toThrow('t.json: "arch" must be a string');
    expect(() => parseDistroTrees('{', 't.json')).toThrow(/t.json is not valid JSON/);
  });
});
