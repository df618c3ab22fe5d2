import { closeSchemaValidator, parseJobXml } from '../../../common/src/job-xml/index.js';
import type { RecipeSpec } from '../../../common/src/job-xml/types.js';
import { fixture, jobXml, lineOf, recipe } from './helpers.js';

afterAll(() => closeSchemaValidator());

const only = <T>(list: readonly T[]): T => {
  expect(list).toHaveLength(1);
  return list[0] as T;
};

describe('complete-job.xml', () => {
  const xml = fixture('complete-job.xml');

  test('job-level fields', async () => {
    const spec = await parseJobXml(xml);
    expect(spec).toMatchObject({
      retentionTag: 'audit',
      group: 'somegroup',
      product: 'the_product',
      whiteboard: 'valid job',
      notifyCc: ['dan@example.com', 'ray@example.com'],
      extraXml: [
        '<b:option xmlns:b="http://example.com/bar">--foobar arbitrary</b:option>',
        '<f:test xmlns:f="http://example.com/foo">unicode text: heißer Шис</f:test>',
      ],
    });
    expect(spec.user).toBeUndefined();
    expect(only(spec.recipeSets)).toMatchObject({ line: lineOf(xml, '<recipeSet'), priority: 'Normal' });
  });

  test('the machine recipe, its xml verbatim and its defaults', async () => {
    const host = only(only((await parseJobXml(xml)).recipeSets).recipes);
    const start = xml.indexOf('<recipe ');
    const ownStart = xml.indexOf('</guestrecipe>');
    expect(host.xml).toBe(xml.slice(start, xml.indexOf('</recipe>') + '</recipe>'.length));
    expect(host).toMatchObject({
      kind: 'machine',
      line: lineOf(xml, '<recipe '),
      whiteboard: '',
      role: 'None',
      ksMeta: '',
      autopickRandom: true,
      watchdogPanic: 'None',
      hostRequiresXml: '<hostRequires>\n        <system_type value="Machine"/>\n      </hostRequires>',
      reservesys: { duration: 600, when: 'always' },
      ksAppends: ['\n                        '],
      partitions: [],
      packages: [],
      repos: [],
    });
    expect(host.distroRequires).toEqual({
      kind: 'and',
      children: [
        {
          kind: 'leaf',
          field: 'name',
          op: '=',
          value: 'BlueShoeLinux5-5',
          line: lineOf(xml, '<distro_name', ownStart),
        },
        { kind: 'leaf', field: 'virt', op: '=', value: '', line: lineOf(xml, '<distro_virt', ownStart) },
      ],
    });
    expect(host.tasks).toEqual([
      {
        line: lineOf(xml, '<task name="/distribution/check-install" role="STANDALONE"/>'),
        name: '/distribution/check-install',
        role: 'STANDALONE',
        params: [],
      },
      {
        line: lineOf(xml, '<task name="/distribution/reservesys"'),
        name: '/distribution/reservesys',
        role: 'STANDALONE',
        params: [{ name: 'RESERVE_IF_FAIL', value: '1' }],
      },
    ]);
  });

  test('the guest recipe is nested, with its own xml, partitions and fetch task', async () => {
    const host = only(only((await parseJobXml(xml)).recipeSets).recipes);
    const guest = only(host.guests);
    expect(guest.xml).toBe(
      xml.slice(xml.indexOf('<guestrecipe'), xml.indexOf('</guestrecipe>') + '</guestrecipe>'.length),
    );
    expect(guest).toMatchObject({
      kind: 'guest',
      guestName: '',
      guestArgs: '',
      guests: [],
      partitions: [
        { fs: 'btrfs', name: '/mnt/testarea', type: 'part', sizeGb: 18 },
        { fs: 'btrfs', name: '/usr/local', type: 'part', sizeGb: 8 },
      ],
      reservesys: undefined,
    });
    expect(only(guest.tasks)).toMatchObject({
      name: '/distribution/check-install',
      fetch: { url: 'git://example.com/externaltasks#master', subdir: 'install' },
    });
  });
});

test('virtualization-workflow-sample-job.xml: roles, guests and an <and> distro filter', async () => {
  const xml = fixture('virtualization-workflow-sample-job.xml');
  const spec = await parseJobXml(xml);
  expect(spec.whiteboard).toBe('An example job for testing Virtualization Workflow');
  const host = only(only(spec.recipeSets).recipes);
  expect(host.role).toBe('RECIPE_MEMBERS');
  expect(host.watchdogPanic).toBe('ignore');
  expect(host.hostRequiresXml).toContain('<key_value key="HVM" op="=" value="1"/>');
  expect(host.guests.map((g: RecipeSpec) => [g.guestName, g.role, g.guestArgs])).toEqual([
    ['guest1', 'RECIPESERVERS', '--ram=1024 --vcpus=2 --file-size=20 --kvm'],
    ['guest2', 'RECIPECLIENTS', '--ram=1024 --vcpus=2 --file-size=20 --kvm'],
  ]);
  expect(host.distroRequires).toMatchObject({
    kind: 'and',
    children: [
      {
        kind: 'and',
        children: [
          { field: 'name' },
          { field: 'variant', value: 'Server' },
          { field: 'arch', value: 'x86_64' },
        ],
      },
    ],
  });
});

describe('defaults and special cases', () => {
  test('fetch tasks without a name are named like Beaker: url, then a space and the subdir', async () => {
    const tasks = [
      '      <task><fetch url="git://example.com/tasks.git#main" subdir="kernel/smoke"/></task>',
      '      <task role="CLIENTS"><fetch url="https://example.com/t.tar.gz"/></task>',
    ].join('\n');
    const spec = await parseJobXml(jobXml(recipe({ tasks })));
    const host = only(only(spec.recipeSets).recipes);
    expect(host.tasks.map((t) => [t.name, t.role, t.fetch])).toEqual([
      [
        'git://example.com/tasks.git#main kernel/smoke',
        'None',
        { url: 'git://example.com/tasks.git#main', subdir: 'kernel/smoke' },
      ],
      ['https://example.com/t.tar.gz', 'CLIENTS', { url: 'https://example.com/t.tar.gz' }],
    ]);
  });

  test('reservesys and partition defaults; role "None"; no watchdog means no panic setting', async () => {
    const extra = [
      '      <reservesys/>',
      '      <partitions><partition name="data" fs="xfs" size="5"/></partitions>',
    ].join('\n');
    const spec = await parseJobXml(jobXml(recipe({ extra }), ''));
    const host = only(only(spec.recipeSets).recipes);
    expect(host.reservesys).toEqual({ duration: 86400, when: 'always' });
    expect(host.partitions).toEqual([{ fs: 'xfs', name: 'data', type: 'part', sizeGb: 5 }]);
    expect(host.role).toBe('None');
    expect(host.watchdogPanic).toBeUndefined();
    expect(host.autopickRandom).toBe(false);
    expect(only(spec.recipeSets).priority).toBeUndefined();
  });

  test('CDATA in kickstart and ks_append is kept exactly; packages, repos and force are read', async () => {
    const extra = [
      '      <kickstart><![CDATA[install\n{% if x < 3 %}text{% endif %}\n]]></kickstart>',
      '      <packages><package name="vim"/><package name="gcc"/><package name="vim"/></packages>',
      '      <ks_appends><ks_append><![CDATA[%post\necho "a & b" > /tmp/x\n%end]]></ks_append></ks_appends>',
      '      <repos><repo name="extra" url="http://example.com/repo?a=1&amp;b=2"/></repos>',
    ].join('\n');
    const host = '      <hostRequires force="lab1.example.com"/>';
    const spec = await parseJobXml(jobXml(recipe({ extra, host })));
    const r = only(only(spec.recipeSets).recipes);
    expect(r.kickstart).toBe('install\n{% if x < 3 %}text{% endif %}\n');
    expect(r.ksAppends).toEqual(['%post\necho "a & b" > /tmp/x\n%end']);
    expect(r.packages).toEqual(['vim', 'gcc']);
    expect(r.repos).toEqual([{ name: 'extra', url: 'http://example.com/repo?a=1&b=2' }]);
    expect(r.hostRequiresForce).toBe('lab1.example.com');
    expect(r.hostRequiresXml).toBe('<hostRequires force="lab1.example.com"/>');
  });

  test('an explicit <distro> tree', async () => {
    const distro = [
      '      <distro>',
      '        <tree url="http://example.com/os/"/>',
      '        <kernel url="images/pxeboot/vmlinuz"/>',
      '        <initrd url="images/pxeboot/initrd.img"/>',
      '        <arch value="x86_64"/>',
      '        <osversion major="RedHatEnterpriseLinux7" minor="4"/>',
      '        <name value="RHEL-7.4"/>',
      '      </distro>',
    ].join('\n');
    const r = only(only((await parseJobXml(jobXml(recipe({ distro })))).recipeSets).recipes);
    expect(r.distroRequires).toBeUndefined();
    expect(r.distro).toEqual({
      treeUrl: 'http://example.com/os/',
      kernelUrl: 'images/pxeboot/vmlinuz',
      initrdUrl: 'images/pxeboot/initrd.img',
      arch: 'x86_64',
      osMajor: 'RedHatEnterpriseLinux7',
      osMinor: '4',
      name: 'RHEL-7.4',
    });
  });

  test('job attributes, cc de-duplication, and entity-encoded text', async () => {
    const xml = jobXml()
      .replace('<job>', '<job user="alice" group="" retention_tag="60days">')
      .replace(
        '<whiteboard>test</whiteboard>',
        '<notify><cc> a@example.com </cc><cc>a@example.com</cc></notify>\n  <whiteboard>\n  R&amp;D &#x263A; run \n</whiteboard>',
      );
    const spec = await parseJobXml(xml);
    expect(spec).toMatchObject({
      user: 'alice',
      retentionTag: '60days',
      notifyCc: ['a@example.com'],
      whiteboard: 'R&D ☺ run',
    });
    expect(spec.group).toBeUndefined();
  });

  test('extra XML using a prefix declared on <job> gets the declaration added', async () => {
    const xml = jobXml()
      .replace('<job>', '<job xmlns:x="http://example.com/x">')
      .replace(
        '<whiteboard>',
        '<x:meta build="42"><x:item>é</x:item></x:meta>\n  <y:own xmlns:y="urn:y"/>\n  <plain xmlns="urn:p">t</plain>\n  <whiteboard>',
      );
    const spec = await parseJobXml(xml);
    expect(spec.extraXml).toEqual([
      '<x:meta xmlns:x="http://example.com/x" build="42"><x:item>é</x:item></x:meta>',
      '<y:own xmlns:y="urn:y"/>',
      '<plain xmlns="urn:p">t</plain>',
    ]);
  });
});
