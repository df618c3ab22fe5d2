// The HTTP peer here is the fake server from support/fake-api-server.ts, a stand-in that
// follows docs/api.md; it is not the real Erlen server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../../../cli/src/api-client.js';
import { ApiError, CliError, InterruptedError } from '../../../cli/src/errors.js';
import { startFakeApiServer, type FakeApiServer } from './support/fake-api-server.js';

let server: FakeApiServer;
let client: ApiClient;

beforeEach(async () => {
  server = await startFakeApiServer();
  client = new ApiClient({ url: server.url, token: 'tok-1' });
});
afterEach(() => server.close());

describe('ApiClient requests', () => {
  it('sends the bearer token and JSON accept header', async () => {
    server.on('GET', '/auth/whoami', {
      body: { username: 'alice', displayName: 'Alice', email: 'a@x', kind: 'user', admin: false },
    });
    await expect(client.whoami()).resolves.toMatchObject({ username: 'alice' });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tok-1');
    expect(server.requests[0]?.headers.accept).toBe('application/json');
  });

  it('posts job XML with an XML content type, dry runs with ?dryrun=true', async () => {
    server.on('POST', '/jobs', (req) =>
      req.query.get('dryrun') === 'true'
        ? { body: { valid: true, warnings: [] } }
        : { status: 201, body: { id: 'J:9', warnings: [] } },
    );
    await expect(client.submitJob('<job/>')).resolves.toEqual({ id: 'J:9', warnings: [] });
    await expect(client.dryRunJob('<job/>')).resolves.toEqual({ valid: true, warnings: [] });
    expect(server.requests.map((r) => [r.headers['content-type'], r.body, r.query.toString()])).toEqual([
      ['application/xml', '<job/>', ''],
      ['application/xml', '<job/>', 'dryrun=true'],
    ]);
  });

  it('posts JSON bodies and leaves out an absent cancel message', async () => {
    server.on('POST', '/recipesets/4/cancel', { body: { id: 'J:2' } });
    await client.cancelRecipeSet(4);
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({});
  });

  it('works under a path prefix', async () => {
    const prefixed = new ApiClient({ url: `${server.url}/erlen`, token: 't' });
    server.on('GET', '/erlen/jobs/3.junit.xml', { body: '<testsuites/>' });
    await expect(prefixed.jobJunitXml(3)).resolves.toBe('<testsuites/>');
  });
});

describe('ApiClient errors', () => {
  it('turns the contract error body into an ApiError with code and details', async () => {
    const details = [{ line: 4, message: 'bad' }];
    server.on('POST', '/jobs', {
      status: 400,
      body: { code: 'INVALID_JOB_XML', message: 'invalid', details },
    });
    const error = await client.submitJob('<job/>').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'INVALID_JOB_XML', message: 'invalid', details });
  });

  it('copes with error pages that are not the contract body', async () => {
    server.on('GET', '/jobs/1', { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' });
    await expect(client.getJob(1)).rejects.toMatchObject({
      code: 'HTTP_502',
      message: 'the server answered HTTP 502 Bad Gateway',
    });
  });

  it('reports a 2xx answer that is not JSON', async () => {
    server.on('GET', '/labcontrollers', { body: 'not json', contentType: 'text/plain' });
    await expect(client.listLabControllers()).rejects.toThrow(
      'GET /labcontrollers: the server sent a response that is not JSON (HTTP 200)',
    );
  });

  it('says it cannot reach a server that is not listening', async () => {
    const url = server.url;
    await server.close();
    server = await startFakeApiServer(); // for afterEach
    const error = await new ApiClient({ url, token: 't' }).whoami().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot reach ${url}: .*ECONNREFUSED`));
  });

  it('gives up on a server that never answers', async () => {
    // Accepts the connection and never responds: only the client's timeout can end the request.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      await expect(new ApiClient({ url, token: 't', timeoutMs: 50 }).whoami()).rejects.toThrow(
        `cannot reach ${url}: no answer within 0.05 s`,
      );
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('reports an aborted request as an interruption', async () => {
    const controller = new AbortController();
    server.on('GET', '/jobs/1', () => {
      controller.abort();
      return undefined;
    });
    await expect(client.getJob(1, controller.signal)).rejects.toBeInstanceOf(InterruptedError);
  });
});
