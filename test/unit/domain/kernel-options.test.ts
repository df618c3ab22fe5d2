import { describe, expect, it, test } from '@jest/globals';
import {
  formatKernelOptions,
  layerKernelOptions,
  parseKernelOptions,
  type KernelOptions,
} from '../../../common/src/domain/kernel-options.js';

const entries = (options: KernelOptions) => [...options.entries()];
const layered = (...layers: string[]) => formatKernelOptions(layerKernelOptions(...layers));

describe('parseKernelOptions', () => {
  it('reads key=value pairs and bare flags in the order written', () => {
    expect(entries(parseKernelOptions('console=ttyS0,115200 quiet ks=http://h/ks?a=b'))).toEqual([
      ['console', ['ttyS0,115200']],
      ['quiet', [null]],
      ['ks', ['http://h/ks?a=b']],
    ]);
  });

  it('keeps every value of a repeated key, flags included', () => {
    expect(entries(parseKernelOptions('console=tty0 rd.break console=ttyS0 rd.break=pre-mount'))).toEqual([
      ['console', ['tty0', 'ttyS0']],
      ['rd.break', [null, 'pre-mount']],
    ]);
  });

  it('is empty for empty or blank text', () => {
    expect(parseKernelOptions('').size).toBe(0);
    expect(parseKernelOptions(' \t\n ').size).toBe(0);
  });

  it('splits on any blank, however many', () => {
    expect(entries(parseKernelOptions('  a=1\t\tb \n c=3 '))).toEqual([
      ['a', ['1']],
      ['b', [null]],
      ['c', ['3']],
    ]);
  });

  test.each([
    ['double quotes around the value', 'title="Red Hat" x', 'Red Hat'],
    ['double quotes around the word', '"title=Red Hat" x', 'Red Hat'],
    ['single quotes', "title='Red Hat' x", 'Red Hat'],
    ['a backslash-escaped blank', 'title=Red\\ Hat x', 'Red Hat'],
    ['an escaped quote inside double quotes', 'title="say \\"hi\\"" x', 'say "hi"'],
    ['a backslash kept inside single quotes', "title='a\\b' x", 'a\\b'],
    ['adjacent quoted parts joined', `title="Red "'Hat' x`, 'Red Hat'],
  ])('reads %s', (_what, text, value) => {
    expect(entries(parseKernelOptions(text))).toEqual([
      ['title', [value]],
      ['x', [null]],
    ]);
  });

  it('keeps an empty value apart from a flag', () => {
    expect(entries(parseKernelOptions('a= b="" c'))).toEqual([
      ['a', ['']],
      ['b', ['']],
      ['c', [null]],
    ]);
  });

  it('splits at the first = only', () => {
    expect(entries(parseKernelOptions('ip=::::host:eth0:dhcp a==b'))).toEqual([
      ['ip', ['::::host:eth0:dhcp']],
      ['a', ['=b']],
    ]);
  });

  it('drops words without a key, as Beaker does', () => {
    expect(entries(parseKernelOptions('=x "" quiet'))).toEqual([['quiet', [null]]]);
  });

  it('never throws: an unclosed quote runs to the end, a trailing backslash stays', () => {
    expect(entries(parseKernelOptions('a="b c'))).toEqual([['a', ['b c']]]);
    expect(entries(parseKernelOptions('a=b\\'))).toEqual([['a', ['b\\']]]);
  });

  it('keeps !key entries for layering to act on', () => {
    expect(entries(parseKernelOptions('!quiet !console=x'))).toEqual([
      ['!quiet', [null]],
      ['!console', ['x']],
    ]);
  });
});

describe('formatKernelOptions', () => {
  it('writes values in key order, repeated keys together, flags bare', () => {
    const options: KernelOptions = new Map([
      ['console', ['tty0', 'ttyS0']],
      ['quiet', [null]],
      ['empty', ['']],
    ]);
    expect(formatKernelOptions(options)).toBe('console=tty0 console=ttyS0 quiet empty=');
  });

  it('double-quotes values with blanks, the form the kernel reads', () => {
    expect(formatKernelOptions(new Map([['title', ['Red Hat']]]))).toBe('title="Red Hat"');
  });

  it('escapes what would otherwise be read as quoting', () => {
    const options: KernelOptions = new Map([['a', [`say "hi"`, "it's", 'c:\\x']]]);
    expect(formatKernelOptions(options)).toBe(`a="say \\"hi\\"" a="it's" a="c:\\\\x"`);
  });

  it('is empty for no options', () => {
    expect(formatKernelOptions(new Map())).toBe('');
  });
});

describe('round trip', () => {
  test.each([
    'console=tty0 console=ttyS0,115200 quiet',
    'a= b c=1 b',
    `title="Red Hat" x='y z' w=a\\ b`,
    `q="say \\"hi\\"" s='it'"'"'s' b="c:\\\\x"`,
    'ks=http://h/k?a=b&c=d ip=::::h:eth0:dhcp',
    '',
  ])('parse(format(parse(%p))) is parse(text), and format is stable', (text) => {
    const once = parseKernelOptions(text);
    const formatted = formatKernelOptions(once);
    expect(parseKernelOptions(formatted)).toEqual(once);
    expect(formatKernelOptions(parseKernelOptions(formatted))).toBe(formatted);
  });

  it('reads back any options format writes (seeded random options)', () => {
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 8) % n;
    const text = (alphabet: string, min: number) =>
      Array.from({ length: min + random(6) }, () => alphabet[random(alphabet.length)]).join('');
    for (let run = 0; run < 500; run++) {
      const options: KernelOptions = new Map();
      for (let k = random(4); k >= 0; k--) {
        const values = Array.from({ length: 1 + random(3) }, () =>
          random(4) ? text(`ab =,"'\\\t!`, 0) : null,
        );
        options.set(text(`ab.-"'\\ !`, 1), values);
      }
      expect(parseKernelOptions(formatKernelOptions(options))).toEqual(options);
    }
  });
});

describe('layerKernelOptions', () => {
  it('is the options of a single layer', () => {
    expect(layered('console=ttyS0 quiet')).toBe('console=ttyS0 quiet');
  });

  it('lets a later layer replace all of a key’s values, keeping its place', () => {
    expect(layered('console=tty0 console=ttyS0 quiet', 'console=ttyS1,9600')).toBe(
      'console=ttyS1,9600 quiet',
    );
  });

  it('adds new keys after the ones before', () => {
    expect(layered('quiet', 'ks=http://h/ks', 'selinux=0')).toBe('quiet ks=http://h/ks selinux=0');
  });

  it('replaces a value with a flag and a flag with values', () => {
    expect(layered('a=1 b', 'a b=2 b=3')).toBe('a b=2 b=3');
  });

  it('removes a key with !key, whatever values it had', () => {
    expect(layered('console=tty0 console=ttyS0 quiet rhgb', '!console !rhgb=ignored')).toBe('quiet');
  });

  it('ignores !key for a key that is not there, and never outputs it', () => {
    expect(layered('quiet', '!nothing')).toBe('quiet');
    expect(layered('!quiet')).toBe('');
  });

  it('acts in the order written within a layer', () => {
    expect(layered('console=tty0', '!console console=ttyS0')).toBe('console=ttyS0');
    expect(layered('console=tty0', 'console=ttyS0 !console')).toBe('');
  });

  it('lets a later layer bring back a removed key', () => {
    expect(layered('quiet a=1', '!a', 'a=2')).toBe('quiet a=2');
  });

  it('treats empty layers as no change', () => {
    expect(layered('', 'quiet', '', '   ')).toBe('quiet');
    expect(layerKernelOptions().size).toBe(0);
  });

  it('layers tree, system and recipe options as the server does', () => {
    const tree = 'console=tty0 inst.stage2=http://lab/tree ip=dhcp';
    const system = 'console=ttyS1,115200 !ip nomodeset';
    const recipe = 'inst.sshd "title=My test" nomodeset=0';
    expect(layered(tree, system, recipe)).toBe(
      'console=ttyS1,115200 inst.stage2=http://lab/tree nomodeset=0 inst.sshd title="My test"',
    );
  });
});
