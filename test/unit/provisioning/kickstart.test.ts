import { describe, expect, it } from '@jest/globals';
import { renderKickstart, type KickstartInput } from '../../../server/src/provisioning/kickstart.js';

const input = (overrides: Partial<KickstartInput> = {}): KickstartInput => ({
  recipeId: 12,
  fqdn: 'host1.lab.example.com',
  treeUrl: 'http://lab.example.com/distros/F40/x86_64/os/',
  ksMeta: ['', ''],
  packages: ['gcc', 'make'],
  repos: [{ name: 'extras', url: 'http://repo.example.com/extras/' }],
  ksAppends: ['%post\necho appended\n%end'],
  custom: null,
  harnessUrl: 'http://lab.example.com:8000/',
  ...overrides,
});

/** The body of the first `%name` section, up to its %end. */
const section = (text: string, name: string) => text.split(`\n${name}`)[1]?.split('%end')[0] ?? '';

describe('kickstart', () => {
  it('installs the tree with the recipe packages and repos', () => {
    const text = renderKickstart(input());
    expect(text).toContain('url --url=http://lab.example.com/distros/F40/x86_64/os/\n');
    expect(text).toContain('repo --name=extras --baseurl=http://repo.example.com/extras/\n');
    expect(text).toContain('network --bootproto=dhcp --hostname=host1.lab.example.com\n');
    expect(section(text, '%packages').split('\n')).toEqual(expect.arrayContaining(['nodejs', 'gcc', 'make']));
    expect(text).toContain('rootpw --lock');
  });

  it('checks in with the lab controller as Beaker snippets do, in order', () => {
    const text = renderKickstart(input());
    expect(section(text, '%pre')).toContain("'http://lab.example.com:8000/install_start/12'");
    const post = section(text, '%post');
    const order = [
      'install_done/12/host1.lab.example.com',
      'nopxe/host1.lab.example.com',
      'postinstall_done/12',
    ];
    const at = order.map((path) => post.indexOf(`http://lab.example.com:8000/${path}'`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(section(text, '%onerror')).toContain('install_fail/12/');
  });

  it('installs the harness from the lab controller, configured for the recipe', () => {
    const post = section(renderKickstart(input()), '%post');
    expect(post).toContain("'http://lab.example.com:8000/harness/erlen-harness.mjs'");
    expect(post).toContain('{"recipeId":12,"labControllerUrl":"http://lab.example.com:8000/"}');
    expect(post).toContain('systemctl enable erlen-harness.service');
    const without = section(renderKickstart(input({ ksMeta: ['harness=erlen', 'harness=none'] })), '%post');
    expect(without).not.toContain('erlen-harness');
    expect(without).toContain('postinstall_done/12');
  });

  it('uses a recipe’s own kickstart instead of the install commands, still checking in', () => {
    const text = renderKickstart(
      input({ custom: 'install\nurl --url=http://mine/\n%packages\n@base\n%end' }),
    );
    expect(text).toContain('url --url=http://mine/');
    expect(text).not.toContain('url --url=http://lab.example.com');
    expect(text).toContain('install_start/12');
    // ks_appends come last.
    expect(text.trimEnd().endsWith('%post\necho appended\n%end')).toBe(true);
  });

  it('takes a crypted root password from ks_meta, the recipe overriding the tree', () => {
    const text = renderKickstart(input({ ksMeta: ['password=$6$tree', 'password=$6$recipe'] }));
    expect(text).toContain('rootpw --iscrypted $6$recipe');
  });
});
