import { configPath, loadConfig, normalizeUrl, type ConfigSources } from '../../../cli/src/config.js';
import { CliError } from '../../../cli/src/errors.js';

const HOME = '/home/u';
const DEFAULT_PATH = '/home/u/.config/erlen/config.json';

function sources(
  overrides: Partial<ConfigSources> & { files?: Record<string, string> } = {},
): ConfigSources & {
  reads: string[];
} {
  const reads: string[] = [];
  const files = overrides.files ?? {};
  return {
    env: overrides.env ?? {},
    flags: overrides.flags ?? {},
    homedir: HOME,
    reads,
    readFile: async (path) => {
      reads.push(path);
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
  };
}

describe('configPath', () => {
  it('prefers ERLEN_CONFIG, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configPath({ ERLEN_CONFIG: '/etc/e.json', XDG_CONFIG_HOME: '/x' }, HOME)).toEqual({
      path: '/etc/e.json',
      explicit: true,
    });
    expect(configPath({ XDG_CONFIG_HOME: '/x' }, HOME)).toEqual({
      path: '/x/erlen/config.json',
      explicit: false,
    });
    expect(configPath({}, HOME)).toEqual({ path: DEFAULT_PATH, explicit: false });
  });
});

describe('loadConfig', () => {
  it('takes flags over environment over file, field by field', async () => {
    const file = JSON.stringify({ url: 'http://file.example', token: 'file-token' });
    const src = sources({
      env: { ERLEN_URL: 'http://env.example' },
      flags: { token: 'flag-token' },
      files: { [DEFAULT_PATH]: file },
    });
    await expect(loadConfig(src)).resolves.toEqual({ url: 'http://env.example', token: 'flag-token' });
    expect(src.reads).toEqual([]);
  });

  it('fills what flags and environment leave open from the config file', async () => {
    const src = sources({
      env: { ERLEN_TOKEN: 'env-token' },
      files: { [DEFAULT_PATH]: JSON.stringify({ url: 'https://lab.example/erlen/', token: 'file-token' }) },
    });
    await expect(loadConfig(src)).resolves.toEqual({ url: 'https://lab.example/erlen', token: 'env-token' });
    expect(src.reads).toEqual([DEFAULT_PATH]);
  });

  it('treats empty environment variables as unset', async () => {
    const src = sources({
      env: { ERLEN_URL: '', ERLEN_TOKEN: '  ' },
      files: { [DEFAULT_PATH]: JSON.stringify({ url: 'http://f.example', token: 't' }) },
    });
    await expect(loadConfig(src)).resolves.toEqual({ url: 'http://f.example', token: 't' });
  });

  it('says where to put a missing URL or token', async () => {
    await expect(loadConfig(sources({ env: { ERLEN_TOKEN: 't' } }))).rejects.toThrow(
      `no server URL: set ERLEN_URL, pass --url, or put "url" in ${DEFAULT_PATH}`,
    );
    await expect(loadConfig(sources({ env: { ERLEN_URL: 'http://x.example' } }))).rejects.toThrow(
      /^no API token/,
    );
  });

  it('insists on a config file named by ERLEN_CONFIG', async () => {
    await expect(loadConfig(sources({ env: { ERLEN_CONFIG: '/nope.json' } }))).rejects.toThrow(
      /^cannot read config file \/nope.json/,
    );
  });

  it('rejects a config file that is not a JSON object of strings, without echoing the token', async () => {
    const bad = (text: string): Promise<unknown> => loadConfig(sources({ files: { [DEFAULT_PATH]: text } }));
    await expect(bad('{ url: ')).rejects.toThrow(/is not valid JSON/);
    await expect(bad('[1]')).rejects.toThrow(/must hold a JSON object/);
    const error = await bad(JSON.stringify({ url: 'http://x.example', token: 12345678 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe(`config file ${DEFAULT_PATH}: "token" must be a string`);
  });

  it('names the origin of an invalid URL', async () => {
    await expect(loadConfig(sources({ flags: { url: 'lab.example', token: 't' } }))).rejects.toThrow(
      'invalid server URL "lab.example" (from --url): expected e.g. https://erlen.example.com',
    );
    await expect(
      loadConfig(sources({ env: { ERLEN_URL: 'ftp://lab.example', ERLEN_TOKEN: 't' } })),
    ).rejects.toThrow(/\(from ERLEN_URL\): only http and https/);
  });
});

describe('normalizeUrl', () => {
  it('drops trailing slashes but keeps a path prefix', () => {
    expect(normalizeUrl('http://h:8080/', 'x')).toBe('http://h:8080');
    expect(normalizeUrl('https://h/erlen//', 'x')).toBe('https://h/erlen');
  });
  it('refuses queries and fragments, which would end up in the middle of every request URL', () => {
    expect(() => normalizeUrl('https://h/?a=1', 'x')).toThrow(/must not have a query/);
  });
});
