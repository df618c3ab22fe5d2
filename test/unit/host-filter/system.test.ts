// <hostRequires> logic, <labcontroller> and every <system> element, against the seeded inventory.
import { ALL, allBut, matching } from './inventory.js';

type Case = [description: string, xml: string, expected: string[]];

const run = (cases: Case[]) =>
  test.each(cases)('%s', (_description, xml, expected) => {
    expect(matching(xml)).toEqual(expected);
  });

describe('and / or / not and unknown elements', () => {
  run([
    [
      'and: every child',
      '<and><system><memory op=">=" value="8192"/></system><cpu><cores op=">=" value="16"/></cpu></and>',
      ['alpha', 'eta', 'kappa'],
    ],
    [
      'or: any child',
      '<or><system><vendor value="HP"/></system><system><vendor value="IBM"/></system></or>',
      ['beta', 'delta'],
    ],
    [
      'not: none of its children',
      '<not><system><vendor value="Dell Inc."/></system></not>',
      allBut('alpha', 'eta', 'kappa'),
    ],
    [
      'not with two children negates their conjunction',
      '<not><system><vendor value="Dell Inc."/><memory op=">" value="20000"/></system></not>',
      allBut('eta', 'kappa'),
    ],
    [
      'top-level children are combined with and',
      '<hostRequires><labcontroller value="lab1.example.com"/><system><arch value="i386"/></system></hostRequires>',
      ['alpha', 'beta', 'kappa'],
    ],
    [
      'or nested inside system',
      '<system><or><memory op="&lt;" value="4096"/><numanodes op=">=" value="8"/></or></system>',
      ['zeta', 'theta', 'kappa'],
    ],
    [
      'and inside or inside not inside system',
      '<system><not><or><vendor value="HP"/><and><vendor value="Dell Inc."/><model value="PowerEdge R740"/></and></or></not></system>',
      allBut('alpha', 'beta'),
    ],
    [
      'unknown element acts like and around its children',
      '<foo><system><memory op=">" value="60000"/></system><bar/></foo>',
      ['delta', 'kappa'],
    ],
    [
      'unknown element inside system keeps the system context',
      '<system><foo><type value="Laptop"/></foo></system>',
      ['gamma'],
    ],
    ['an unknown element with nothing inside constrains nothing', '<frobnicate value="1"/>', ALL],
    ['empty or constrains nothing', '<or/>', ALL],
    ['empty not constrains nothing', '<not/>', ALL],
    [
      'not around only empty values constrains nothing',
      '<not><system><vendor value=""/></system></not>',
      ALL,
    ],
    ['empty hostRequires matches everything', '<hostRequires/>', ALL],
  ]);
});

describe('<labcontroller>', () => {
  run([
    ['=', '<labcontroller value="lab2.example.com"/>', ['gamma', 'delta']],
    ['== is =', '<labcontroller op="==" value="lab2.example.com"/>', ['gamma', 'delta']],
    [
      '!= (a system without a lab never matches)',
      '<labcontroller op="!=" value="lab1.example.com"/>',
      ['gamma', 'delta', 'eta', 'iota'],
    ],
    ['like is case-insensitive', '<labcontroller op="like" value="LAB3%"/>', ['eta', 'iota']],
    ['deprecated hostlabcontroller', '<hostlabcontroller value="lab3.example.com"/>', ['eta', 'iota']],
    ['empty value constrains nothing', '<labcontroller value=""/>', ALL],
    [
      '< compares text',
      '<labcontroller op="&lt;" value="lab2"/>',
      ['alpha', 'beta', 'epsilon', 'theta', 'kappa'],
    ],
  ]);
});

describe('<system> text fields', () => {
  run([
    ['name =', '<system><name value="beta.lab1.example.com"/></system>', ['beta']],
    ['name !=', '<system><name op="!=" value="beta.lab1.example.com"/></system>', allBut('beta')],
    ['name like', '<system><name op="like" value="%.lab2.%"/></system>', ['gamma', 'delta']],
    ['deprecated hostname', '<hostname op="like" value="zeta%"/>', ['zeta']],
    ['deprecated host', '<host value="iota.lab3.example.com"/>', ['iota']],
    ['type =', '<system><type value="Laptop"/></system>', ['gamma']],
    ['type !=', '<system><type op="!=" value="Machine"/></system>', ['gamma', 'epsilon', 'zeta', 'theta']],
    ['deprecated system_type', '<system_type value="Resource"/>', ['epsilon']],
    ['status =', '<system><status value="Broken"/></system>', ['delta']],
    ['status !=', '<system><status op="!=" value="Automated"/></system>', ['gamma', 'delta', 'zeta']],
    ['lender like (case-insensitive)', '<system><lender op="like" value="%loan%"/></system>', ['gamma']],
    ['lender empty value constrains nothing', '<system><lender value=""/></system>', ALL],
    ['vendor = is case-sensitive', '<system><vendor value="Dell Inc."/></system>', ['alpha', 'eta', 'kappa']],
    [
      'vendor like is case-insensitive',
      '<system><vendor op="like" value="dell%"/></system>',
      ['alpha', 'eta', 'iota', 'kappa'],
    ],
    [
      'model like with _',
      '<system><model op="like" value="PowerEdge R_40"/></system>',
      ['alpha', 'eta', 'kappa'],
    ],
    ['model like with escaped wildcards', '<system><model op="like" value="X\\_100\\%"/></system>', ['zeta']],
    ['location =', '<system><location value="Desk 12"/></system>', ['gamma']],
    ['serial like with escaped _', '<system><serial op="like" value="SN\\_%"/></system>', ['zeta']],
    [
      'serial like with _ as any character',
      '<system><serial op="like" value="SN_000_"/></system>',
      ['alpha', 'beta', 'delta', 'epsilon', 'zeta', 'eta', 'iota'],
    ],
    ['serial empty value constrains nothing', '<system><serial value=""/></system>', ALL],
    [
      'values that are Object.prototype names are plain strings',
      '<system><vendor value="__proto__"/></system>',
      [],
    ],
    ['… also with !=', '<system><model op="!=" value="constructor"/></system>', ALL],
    ['powertype =', '<system><powertype value="virsh"/></system>', ['epsilon', 'theta']],
    [
      'powertype != (no power config never matches)',
      '<system><powertype op="!=" value="ipmilan"/></system>',
      ['epsilon', 'theta'],
    ],
    ['owner =', '<system><owner value="bob"/></system>', ['delta', 'kappa']],
    ['user =', '<system><user value="erin"/></system>', ['eta']],
    ['user != (only systems that have a user)', '<system><user op="!=" value="bob"/></system>', ['eta']],
    ['loaned like %: loaned to anyone', '<system><loaned op="like" value="%"/></system>', ['gamma', 'eta']],
    ['loaned =', '<system><loaned value="dave"/></system>', ['gamma']],
  ]);
});

describe('<hypervisor>', () => {
  const bareMetal = ['alpha', 'beta', 'gamma', 'delta', 'zeta', 'iota', 'kappa'];
  run([
    ['value "" is bare metal (no hypervisor or "")', '<system><hypervisor value=""/></system>', bareMetal],
    ['no value is bare metal too', '<system><hypervisor/></system>', bareMetal],
    [
      '!= "" is any hypervisor',
      '<system><hypervisor op="!=" value=""/></system>',
      ['epsilon', 'eta', 'theta'],
    ],
    ['deprecated flat form', '<hypervisor value="KVM"/>', ['epsilon', 'theta']],
    ['like', '<system><hypervisor op="like" value="x%"/></system>', ['eta']],
    [
      '!= a hypervisor includes bare metal',
      '<system><hypervisor op="!=" value="KVM"/></system>',
      allBut('epsilon', 'theta'),
    ],
  ]);
});

describe('<arch>: multi-valued', () => {
  run([
    ['= has the arch', '<system><arch value="i386"/></system>', ['alpha', 'beta', 'zeta', 'iota', 'kappa']],
    ['!= lacks the arch', '<system><arch op="!=" value="x86_64"/></system>', ['delta', 'epsilon']],
    ['like', '<system><arch op="like" value="ppc%"/></system>', ['delta']],
    ['deprecated flat form', '<arch value="ppc64"/>', ['delta']],
    ['empty value constrains nothing', '<system><arch value=""/></system>', ALL],
  ]);
});

describe('<memory> and <numanodes>', () => {
  run([
    [
      '> (unknown memory never matches)',
      '<system><memory op=">" value="8192"/></system>',
      ['alpha', 'delta', 'eta', 'kappa'],
    ],
    [
      '>=',
      '<system><memory op=">=" value="8192"/></system>',
      ['alpha', 'gamma', 'delta', 'eta', 'iota', 'kappa'],
    ],
    ['=', '<system><memory value="8192"/></system>', ['gamma', 'iota']],
    [
      '!= (unknown memory never matches)',
      '<system><memory op="!=" value="8192"/></system>',
      allBut('gamma', 'iota', 'epsilon'),
    ],
    ['<', '<system><memory op="&lt;" value="4096"/></system>', ['zeta', 'theta']],
    ['deprecated flat form, <=', '<memory op="&lt;=" value="4096"/>', ['beta', 'zeta', 'theta']],
    ['numanodes =', '<system><numanodes op="=" value="1"/></system>', ['beta', 'gamma', 'theta']],
    ['deprecated numa_node_count', '<numa_node_count op=">=" value="4"/>', ['delta', 'kappa']],
    [
      'unknown memory fails the comparison, so <not> of it matches (two-valued logic)',
      '<not><system><memory op=">" value="0"/></system></not>',
      ['epsilon'],
    ],
  ]);
});

describe('<added> and <last_inventoried>: whole UTC days', () => {
  run([
    ['= the same day (00:00 and 23:00)', '<system><added value="2021-06-01"/></system>', ['beta', 'eta']],
    ['= a day ending at 23:59:59', '<system><added value="2022-12-31"/></system>', ['gamma']],
    ['!=', '<system><added op="!=" value="2021-06-01"/></system>', allBut('beta', 'eta')],
    ['<', '<system><added op="&lt;" value="2021-06-01"/></system>', ['alpha', 'delta', 'zeta', 'iota']],
    [
      '<= includes the whole day',
      '<system><added op="&lt;=" value="2021-06-01"/></system>',
      ['alpha', 'beta', 'delta', 'zeta', 'eta', 'iota'],
    ],
    ['>', '<system><added op=">" value="2021-06-01"/></system>', ['gamma', 'epsilon', 'theta', 'kappa']],
    [
      '>=',
      '<system><added op=">=" value="2021-06-01"/></system>',
      ['beta', 'gamma', 'epsilon', 'eta', 'theta', 'kappa'],
    ],
    ['last_inventoried = "": never inventoried', '<system><last_inventoried value=""/></system>', ['delta']],
    [
      'last_inventoried != "": inventoried',
      '<system><last_inventoried op="!=" value=""/></system>',
      allBut('delta'),
    ],
    ['last_inventoried < "" matches nothing', '<system><last_inventoried op="&lt;" value=""/></system>', []],
    ['last_inventoried = a day', '<system><last_inventoried value="2023-07-01"/></system>', ['epsilon']],
    [
      'last_inventoried <',
      '<system><last_inventoried op="&lt;" value="2024-01-01"/></system>',
      ['epsilon', 'iota'],
    ],
    [
      'last_inventoried >= (never inventoried does not match)',
      '<system><last_inventoried op=">=" value="2024-01-02"/></system>',
      allBut('delta', 'epsilon', 'iota'),
    ],
  ]);
});

describe('<compatible_with_distro>', () => {
  run([
    [
      'no osminor: excluded if any version of the major is excluded',
      '<system><compatible_with_distro arch="x86_64" osmajor="RedHatEnterpriseLinux7"/></system>',
      ['alpha', 'gamma', 'zeta', 'eta', 'theta', 'kappa'],
    ],
    [
      'osminor: only that version exclusion counts',
      '<system><compatible_with_distro arch="x86_64" osmajor="RedHatEnterpriseLinux7" osminor="9"/></system>',
      allBut('delta', 'epsilon'),
    ],
    [
      'osminor of an excluded version',
      '<system><compatible_with_distro arch="x86_64" osmajor="RedHatEnterpriseLinux7" osminor="2"/></system>',
      ['alpha', 'gamma', 'zeta', 'eta', 'theta', 'kappa'],
    ],
    [
      'a whole-major exclusion applies to every minor',
      '<system><compatible_with_distro arch="i386" osmajor="RedHatEnterpriseLinux7" osminor="4"/></system>',
      ['alpha', 'beta', 'zeta', 'kappa'],
    ],
    [
      'exclusions are per arch',
      '<system><compatible_with_distro arch="x86_64" osmajor="RedHatEnterpriseLinux5"/></system>',
      ['beta', 'gamma', 'zeta', 'eta', 'theta', 'iota', 'kappa'],
    ],
    [
      'without arch nothing matches',
      '<system><compatible_with_distro osmajor="RedHatEnterpriseLinux7"/></system>',
      [],
    ],
    ['without osmajor nothing matches', '<system><compatible_with_distro arch="x86_64"/></system>', []],
  ]);
});
