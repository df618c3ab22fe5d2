import { describe, expect, it } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabControllerConfig } from '../../../lab-controller/src/config.js';
import { loadServerConfig } from '../../../server/src/config.js';

const SECRET = 'ab'.repeat(32);

describe('configuration loading', () => {
  it('layers defaults, file and environment, and turns numeric environment values into numbers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'erlen-config-'));
    const file = join(dir, 'lc.json');
    await writeFile(file, JSON.stringify({ tftpRoot: '/srv/tftp', powerAttempts: 3, pollWaitSeconds: 10 }));
    const config = loadLabControllerConfig({
      ERLEN_LC_CONFIG_FILE: file,
      ERLEN_SERVER_URL: 'http://erlen.example.com/',
      ERLEN_LC_TOKEN: 't0ken',
      ERLEN_LC_LOG_DIR: '/srv/logs',
      ERLEN_LC_POLL_WAIT_SECONDS: '20',
    });
    expect(config).toMatchObject({
      tftpRoot: '/srv/tftp',
      powerAttempts: 3, // file over default
      pollWaitSeconds: 20, // environment over file, as a number
      powerTimeoutSeconds: 300, // default
    });
  });

  it('names the setting and its environment variable when a value is wrong', () => {
    expect(() =>
      loadServerConfig({ DATABASE_URL: 'postgres://x', ERLEN_SECRET_KEY: SECRET, ERLEN_PORT: 'eighty' }),
    ).toThrow(/port \(ERLEN_PORT\)/);
    expect(() =>
      loadLabControllerConfig({ ERLEN_SERVER_URL: 'http://erlen.example.com/', ERLEN_LC_TOKEN: 't' }),
    ).toThrow(/tftpRoot \(ERLEN_TFTP_ROOT\)/);
  });

  it('says which config file it cannot read', () => {
    expect(() => loadServerConfig({ ERLEN_CONFIG_FILE: '/nonexistent/erlen.json' })).toThrow(
      /cannot read config file \/nonexistent\/erlen.json/,
    );
  });

  it('derives the public URL from host and port when none is set', () => {
    const config = loadServerConfig({
      DATABASE_URL: 'postgres://x',
      ERLEN_SECRET_KEY: SECRET,
      ERLEN_HOST: '0.0.0.0',
      ERLEN_PORT: '9000',
    });
    expect(config.publicUrl).toBe('http://127.0.0.1:9000/');
  });
});
