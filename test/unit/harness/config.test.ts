import { describe, expect, it } from '@jest/globals';
import { parseKernelCmdline, resolveConfig } from '../../../harness/src/config.js';
import { HELPERS } from '../../../harness/src/helper-commands.js';
import { parseState } from '../../../harness/src/state.js';
import { parseFetchUrl } from '../../../harness/src/task-source.js';
import { taskTimeLimit } from '../../../harness/src/task-limits.js';
import type { PlannedTask } from '../../../harness/src/recipe.js';

describe('harness configuration', () => {
  it('reads erlen.recipe and erlen.lc from a kernel command line; quotes group, the last one wins', () => {
    expect(
      parseKernelCmdline(
        'BOOT_IMAGE=vmlinuz erlen.recipe=3 quiet erlen.recipe=7 erlen.lc="http://lab:8000/"\n',
      ),
    ).toEqual({ recipeId: '7', labControllerUrl: 'http://lab:8000/' });
    expect(parseKernelCmdline('ro quiet')).toEqual({});
  });

  it('puts flags over the kernel command line over the config file over the defaults', () => {
    const config = resolveConfig({
      cmdline: 'erlen.recipe=12 erlen.lc=http://lab.example.com:8000',
      file: {
        path: '/etc/erlen/harness.json',
        text: JSON.stringify({ recipeId: 99, taskRoot: '/srv/tasks', stateDir: '/srv/state' }),
      },
      flags: { stateDir: '/tmp/state', rebootCommand: undefined },
    });
    expect(config).toEqual({
      recipeId: 12,
      labControllerUrl: 'http://lab.example.com:8000/',
      taskRoot: '/srv/tasks',
      stateDir: '/tmp/state',
      rebootCommand: 'reboot -f',
    });
  });

  it('names every problem and where the value could come from', () => {
    expect(() => resolveConfig({ cmdline: 'erlen.lc=ftp://lab/', flags: {} })).toThrow(
      'no recipe id: put erlen.recipe=<id> on the kernel command line or "recipeId" in /etc/erlen/harness.json; ' +
        'lab controller URL "ftp://lab/" is not an http(s) URL',
    );
    expect(() => resolveConfig({ cmdline: 'erlen.recipe=1.5 erlen.lc=http://lab/', flags: {} })).toThrow(
      'recipe id "1.5" is not a positive integer',
    );
    expect(() =>
      resolveConfig({ cmdline: '', flags: {}, file: { path: 'h.json', text: '{"recipeID": 1}' } }),
    ).toThrow('h.json: unknown key "recipeID"');
    expect(() => resolveConfig({ cmdline: '', flags: {}, file: { path: 'h.json', text: '{' } })).toThrow(
      'h.json is not JSON',
    );
  });
});

describe('helper commands', () => {
  it('refuse wrong arguments as a usage mistake, before looking for a running task', async () => {
    await expect(HELPERS['rstrnt-report-result'](['only-a-name'], {})).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('usage: rstrnt-report-result'),
    });
    await expect(HELPERS['rstrnt-report-result'](['t', 'MAYBE'], {})).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('"MAYBE" is not one of PASS, FAIL, WARN, SKIP, NONE'),
    });
    await expect(HELPERS['rstrnt-adjust-watchdog'](['soon'], {})).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('harness state', () => {
  it('reads what it wrote and refuses what is not a state', () => {
    const state = { recipeId: 4, current: { taskId: 9, rebootCount: 2, rebooting: true }, finished: [7, 8] };
    expect(parseState(JSON.stringify(state))).toEqual(state);
    expect(parseState(JSON.stringify({ ...state, current: null }))).toEqual({ ...state, current: null });
    expect(parseState('{"recipeId": 4, "finished": ["7"]}')).toBeUndefined();
    expect(parseState(JSON.stringify({ ...state, current: { taskId: 9, rebootCount: -1 } }))).toBeUndefined();
    expect(parseState('half a fi')).toBeUndefined();
  });
});

describe('task fetch URLs', () => {
  it('reads git refs and subdirectories the restraint way and the Beaker way', () => {
    expect(parseFetchUrl({ url: 'git://git.example.com/tests.git?main#kernel/smoke' })).toEqual({
      kind: 'git',
      url: 'git://git.example.com/tests.git',
      ref: 'main',
      subdir: 'kernel/smoke',
    });
    expect(parseFetchUrl({ url: 'https://git.example.com/tests.git#v2', subdir: 'install' })).toEqual({
      kind: 'git',
      url: 'https://git.example.com/tests.git',
      ref: 'v2',
      subdir: 'install',
    });
    expect(parseFetchUrl({ url: 'git+https://git.example.com/tests' })).toEqual({
      kind: 'git',
      url: 'https://git.example.com/tests',
      subdir: '',
    });
  });

  it('takes archives over http(s) and file, the fragment naming the directory', () => {
    expect(parseFetchUrl({ url: 'http://lab/tasks/hello.tar.gz#hello' })).toEqual({
      kind: 'archive',
      url: 'http://lab/tasks/hello.tar.gz',
      subdir: 'hello',
    });
    expect(() => parseFetchUrl({ url: 'ftp://lab/tasks.tar' })).toThrow('only git, http(s) and file URLs');
    expect(() => parseFetchUrl({ url: 'not a url' })).toThrow('is not a URL');
  });
});

describe('task time limit', () => {
  const task = (overrides: Partial<PlannedTask>): PlannedTask => ({
    id: 1,
    name: '/t',
    order: 1,
    role: 'None',
    status: 'Waiting',
    params: [],
    roles: {},
    resultCount: 0,
    ...overrides,
  });

  it('is KILLTIMEOVERRIDE when it is a positive integer, else avg_time, else 1200 s', () => {
    expect(taskTimeLimit(task({ avgTime: 300, params: [{ name: 'KILLTIMEOVERRIDE', value: ' 60 ' }] }))).toBe(
      60,
    );
    expect(taskTimeLimit(task({ avgTime: 300, params: [{ name: 'KILLTIMEOVERRIDE', value: '1m' }] }))).toBe(
      300,
    );
    expect(taskTimeLimit(task({ params: [{ name: 'KILLTIMEOVERRIDE', value: '0' }] }))).toBe(1200);
  });
});
