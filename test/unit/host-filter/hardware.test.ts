// <cpu>, <device>, <disk>, <diskspace> and <diskcount> against the seeded inventory.
import { ALL, allBut, matching } from './inventory.js';

type Case = [description: string, xml: string, expected: string[]];

const run = (cases: Case[]) =>
  test.each(cases)('%s', (_description, xml, expected) => {
    expect(matching(xml)).toEqual(expected);
  });

const intel = ['alpha', 'gamma', 'zeta', 'eta', 'theta', 'iota', 'kappa'];

describe('<cpu> numbers', () => {
  run([
    ['cores >', '<cpu><cores op=">" value="16"/></cpu>', ['epsilon', 'kappa']],
    [
      'cores = (a system without cpu data never matches)',
      '<cpu><cores value="4"/></cpu>',
      ['gamma', 'zeta', 'iota'],
    ],
    ['family =', '<cpu><family value="23"/></cpu>', ['beta']],
    ['model < (unknown model never matches)', '<cpu><model op="&lt;" value="60"/></cpu>', ['beta', 'iota']],
    ['processors >=', '<cpu><processors op=">=" value="80"/></cpu>', ['epsilon', 'kappa']],
    ['deprecated cpu_count', '<cpu_count op="&lt;" value="8"/>', ['zeta', 'theta', 'iota']],
    ['sockets =', '<cpu><sockets value="4"/></cpu>', ['kappa']],
    ['speed compares decimals', '<cpu><speed op="&lt;" value="2100"/></cpu>', ['beta']],
    ['speed = a decimal', '<cpu><speed value="2095.5"/></cpu>', ['beta']],
    ['stepping >=', '<cpu><stepping op=">=" value="9"/></cpu>', ['gamma', 'iota']],
    [
      'cores != (no cpu data never matches)',
      '<cpu><cores op="!=" value="16"/></cpu>',
      allBut('alpha', 'eta', 'delta'),
    ],
    [
      'value 0 is a value (Beaker dropped it)',
      '<cpu><family op=">" value="0"/></cpu>',
      allBut('delta', 'epsilon'),
    ],
  ]);
});

describe('<cpu> text, flags and hyper', () => {
  run([
    ['model_name like', '<cpu><model_name op="like" value="%epyc%"/></cpu>', ['beta']],
    ['vendor =', '<cpu><vendor value="GenuineIntel"/></cpu>', intel],
    [
      'vendor != (no cpu data never matches)',
      '<cpu><vendor op="!=" value="GenuineIntel"/></cpu>',
      ['beta', 'epsilon'],
    ],
    ['flag = has the flag', '<cpu><flag value="avx512_vnni"/></cpu>', ['kappa']],
    [
      'flag like',
      '<cpu><flag op="like" value="avx512%"/></cpu>',
      ['alpha', 'gamma', 'zeta', 'eta', 'iota', 'kappa'],
    ],
    [
      'flag != lacks the flag (no cpu data never matches)',
      '<cpu><flag op="!=" value="vmx"/></cpu>',
      ['beta', 'epsilon', 'theta'],
    ],
    [
      'not around flag = also takes systems without cpu data',
      '<cpu><not><flag value="vmx"/></not></cpu>',
      ['beta', 'delta', 'epsilon', 'theta'],
    ],
    ['flag with empty value constrains nothing', '<cpu><flag value=""/></cpu>', ALL],
    ['hyper true', '<cpu><hyper value="true"/></cpu>', ['alpha', 'gamma', 'eta', 'kappa']],
    ['hyper 1', '<cpu><hyper value="1"/></cpu>', ['alpha', 'gamma', 'eta', 'kappa']],
    [
      'hyper FALSE asks for no hyper-threading',
      '<cpu><hyper value="FALSE"/></cpu>',
      ['beta', 'epsilon', 'zeta', 'theta', 'iota'],
    ],
    [
      'or and and nested inside cpu',
      '<cpu><or><and><vendor value="AuthenticAMD"/><cores value="8"/></and><flag value="aes"/></or></cpu>',
      ['beta', 'epsilon'],
    ],
    [
      'unknown element inside cpu keeps the cpu context',
      '<cpu><bar><cores value="4"/></bar></cpu>',
      ['gamma', 'zeta', 'iota'],
    ],
    ['an empty cpu constrains nothing', '<cpu/>', ALL],
  ]);
});

describe('<device>', () => {
  run([
    ['= has a matching device', '<device driver="e1000e"/>', ['alpha', 'zeta', 'iota', 'kappa']],
    ['== is =', '<device op="==" driver="e1000e"/>', ['alpha', 'zeta', 'iota', 'kappa']],
    [
      '!= has no matching device (no devices at all included)',
      '<device op="!=" driver="e1000e"/>',
      ['beta', 'gamma', 'delta', 'epsilon', 'eta', 'theta'],
    ],
    ['type is the device class', '<device type="VIDEO"/>', ['gamma', 'eta']],
    [
      'all attributes must hold on the same device',
      '<device type="NETWORK" vendor_id="8086"/>',
      ['alpha', 'zeta', 'eta', 'iota', 'kappa'],
    ],
    [
      '!= with two attributes: no device has both',
      '<device op="!=" type="VIDEO" vendor_id="8086"/>',
      allBut('gamma'),
    ],
    [
      'like on description',
      '<device op="like" description="%gigabit%"/>',
      ['alpha', 'zeta', 'eta', 'iota', 'kappa'],
    ],
    [
      'bus, device_id and subsystem ids',
      '<device bus="virtio" device_id="1000" subsys_vendor_id="8086" subsys_device_id="a01f"/>',
      ['epsilon', 'theta'],
    ],
    ['empty attribute values constrain nothing', '<device driver=""/>', ALL],
  ]);
});

describe('<disk>: one disk satisfies everything inside', () => {
  run([
    ['size >= in TB', '<disk><size op=">=" value="2" units="TB"/></disk>', ['eta', 'kappa']],
    [
      'two criteria must hold on the same disk',
      '<disk><sector_size value="4096"/><size op="&lt;" value="1" units="TB"/></disk>',
      ['eta'],
    ],
    ['sector_size with units', '<disk><sector_size value="4" units="KiB"/></disk>', ['eta', 'kappa']],
    [
      'phys_sector_size',
      '<disk><phys_sector_size value="4096"/></disk>',
      ['alpha', 'gamma', 'eta', 'iota', 'kappa'],
    ],
    [
      'phys_sector_size < (unknown sector size never matches)',
      '<disk><phys_sector_size op="&lt;" value="1" units="KiB"/></disk>',
      ['alpha', 'beta', 'zeta', 'eta', 'theta'],
    ],
    ['model =', '<disk><model value="old disk"/></disk>', ['zeta']],
    [
      'model !=: some disk has another model',
      '<disk><model op="!=" value="old disk"/></disk>',
      allBut('delta', 'zeta'),
    ],
    [
      'and + not nested inside disk',
      '<disk><and><size op=">=" value="1" units="TB"/><not><model op="like" value="PERC%"/></not></and></disk>',
      ['alpha', 'kappa'],
    ],
    [
      'or nested inside disk',
      '<disk><or><model value="old disk"/><size value="20" units="GiB"/></or></disk>',
      ['zeta', 'theta'],
    ],
    [
      'unknown element inside disk keeps the disk context',
      '<disk><foo><model value="old disk"/></foo></disk>',
      ['zeta'],
    ],
    ['an empty disk asks for some disk', '<disk/>', allBut('delta')],
    ['a disk with only empty values asks for some disk', '<disk><model value=""/></disk>', allBut('delta')],
  ]);
});

describe('size units', () => {
  run([
    ['bytes is the default', '<disk><size value="107374182400"/></disk>', ['epsilon']],
    ['bytes', '<disk><size value="107374182400" units="bytes"/></disk>', ['epsilon']],
    ['B', '<disk><size value="107374182400" units="B"/></disk>', ['epsilon']],
    ['KiB = 1024', '<disk><size value="104857600" units="KiB"/></disk>', ['epsilon']],
    ['MiB', '<disk><size value="102400" units="MiB"/></disk>', ['epsilon']],
    ['GiB', '<disk><size value="100" units="GiB"/></disk>', ['epsilon']],
    ['GB is not GiB', '<disk><size value="100" units="GB"/></disk>', []],
    ['kB = 1000', '<disk><size value="250000000" units="kB"/></disk>', ['beta']],
    ['KB = 1000 too', '<disk><size value="250000000" units="KB"/></disk>', ['beta']],
    ['MB', '<disk><size value="250000" units="MB"/></disk>', ['beta']],
    ['GB', '<disk><size value="250" units="GB"/></disk>', ['beta']],
    ['TB', '<disk><size value="1" units="TB"/></disk>', ['alpha']],
    ['TiB', '<diskspace op=">" value="6" units="TiB"/>', ['kappa']],
    ['TiB is more than TB', '<diskspace op=">" value="7" units="TB"/>', ['kappa']],
  ]);
});

describe('<diskspace> and <diskcount>: totals over all disks', () => {
  run([
    ['diskspace = the sum', '<diskspace value="1500" units="GB"/>', ['alpha']],
    [
      'diskspace < (no disks: unknown, never matches)',
      '<diskspace op="&lt;" value="1" units="TiB"/>',
      ['beta', 'gamma', 'epsilon', 'zeta', 'theta', 'iota'],
    ],
    ['diskspace in bytes', '<diskspace op=">=" value="4960000000000"/>', ['eta', 'kappa']],
    ['diskcount =', '<diskcount value="2"/>', ['alpha', 'zeta', 'kappa']],
    ['diskcount >=', '<diskcount op=">=" value="3"/>', ['eta']],
    ['diskcount = 0', '<diskcount value="0"/>', ['delta']],
    [
      'diskcount <',
      '<diskcount op="&lt;" value="2"/>',
      ['beta', 'gamma', 'delta', 'epsilon', 'theta', 'iota'],
    ],
  ]);
});
