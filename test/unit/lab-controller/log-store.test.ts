import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  LogStore,
  parseContentRange,
  splitLogName,
} from '../../../lab-controller/src/harness-api/log-store.js';

describe('log names', () => {
  it('splits a name into Beaker’s path and filename', () => {
    expect(splitLogName('taskout.log')).toEqual({ path: '', filename: 'taskout.log' });
    expect(splitLogName('a/b//c.log')).toEqual({ path: 'a/b', filename: 'c.log' });
  });

  it.each(['', '/', '../etc/passwd', 'a/../../b', 'a/./b', 'a\\b', 'nul\0byte'])('refuses %j', (name) => {
    expect(() => splitLogName(name)).toThrow(/not a plain relative path/);
  });
});

describe('Content-Range', () => {
  it('reads start and end, with a known or unknown total', () => {
    expect(parseContentRange('bytes 0-65535/*')).toEqual({ start: 0, end: 65535 });
    expect(parseContentRange('bytes 10-19/20')).toEqual({ start: 10, end: 19 });
    expect(parseContentRange(undefined)).toBeUndefined();
  });

  it.each(['bytes 5-1/10', 'bytes 0-10/10', 'items 0-1/2', 'bytes 0-/10', 'bytes=0-1'])(
    'refuses %j',
    (header) => {
      expect(() => parseContentRange(header)).toThrow(/Content-Range/);
    },
  );
});

describe('LogStore', () => {
  it('replaces a whole file and keeps other chunks when one is rewritten', async () => {
    const store = new LogStore(await mkdtemp(join(tmpdir(), 'erlen-logs-')), 1024);
    const owner = { recipeId: 1234, taskId: 56789 };
    await store.write(owner, 'out.log', Readable.from([Buffer.from('aaaa')]), undefined);
    await store.write(owner, 'out.log', Readable.from([Buffer.from('XY')]), { start: 1, end: 2 });
    expect(await readFile(store.filePath(owner, 'out.log'), 'utf8')).toBe('aXYa');
    await store.write(owner, 'out.log', Readable.from([Buffer.from('new')]), undefined);
    expect(await readFile(store.filePath(owner, 'out.log'), 'utf8')).toBe('new');
    expect(store.filePath(owner, 'out.log')).toMatch(/tasks\/56\+\/56789\/out.log$/);
    expect(await store.list(owner)).toEqual([{ name: 'out.log', size: 3 }]);
  });

  it('refuses a body longer than the limit and leaves the old file', async () => {
    const store = new LogStore(await mkdtemp(join(tmpdir(), 'erlen-logs-')), 4);
    const owner = { recipeId: 7 };
    await store.write(owner, 'a.log', Readable.from([Buffer.from('old')]), undefined);
    await expect(
      store.write(owner, 'a.log', Readable.from([Buffer.from('12345')]), undefined),
    ).rejects.toThrow(/longer than 4 bytes/);
    expect(await readFile(store.filePath(owner, 'a.log'), 'utf8')).toBe('old');
    expect((await store.list(owner)).map((f) => f.name)).toEqual(['a.log']);
  });
});
