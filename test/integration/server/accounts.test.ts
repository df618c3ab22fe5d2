import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bearer, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

describe('authentication', () => {
  it.each([
    ['GET', '/jobs'],
    ['POST', '/jobs'],
    ['GET', '/systems'],
    ['POST', '/labcontrollers'],
    ['GET', '/auth/whoami'],
  ])('refuses %s %s without a token', async (method, url) => {
    const response = await server.app.inject({ method: method as 'GET', url });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses an unknown token and a malformed header', async () => {
    const unknown = await server.app.inject({
      method: 'GET',
      url: '/auth/whoami',
      headers: bearer('erl_not-a-token'),
    });
    expect(unknown.statusCode).toBe(401);
    const malformed = await server.app.inject({
      method: 'GET',
      url: '/auth/whoami',
      headers: { authorization: 'Basic abc' },
    });
    expect(malformed.statusCode).toBe(401);
  });

  it('serves health and the OpenAPI document without a token', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const spec = await server.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(spec.statusCode).toBe(200);
    expect(Object.keys(spec.json().paths)).toEqual(
      expect.arrayContaining(['/jobs', '/jobs/{id}', '/systems', '/auth/login']),
    );
    const docs = await server.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
  });

  it('logs in with a password and uses the session token', async () => {
    await server.user('alice', { password: 'correct horse' });
    const wrong = await server.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'alice', password: 'nope-nope' },
    });
    expect(wrong.statusCode).toBe(401);
    const login = await server.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'alice', password: 'correct horse' },
    });
    expect(login.statusCode).toBe(200);
    const whoami = await server.app.inject({
      method: 'GET',
      url: '/auth/whoami',
      headers: bearer(login.json().token),
    });
    expect(whoami.json()).toMatchObject({ username: 'alice', kind: 'user', admin: false });
  });

  it('stores only a digest of tokens, and a revoked token stops working', async () => {
    const token = await server.user('bob');
    const created = await server.app.inject({
      method: 'POST',
      url: '/auth/tokens',
      headers: bearer(token),
      payload: { name: 'ci' },
    });
    expect(created.statusCode).toBe(201);
    const { id, token: second } = created.json();
    const stored = await server.db.apiToken.findUniqueOrThrow({ where: { id } });
    expect(stored.tokenHash).not.toContain(second);
    expect(
      (await server.app.inject({ method: 'GET', url: '/auth/whoami', headers: bearer(second) })).statusCode,
    ).toBe(200);
    expect(
      (await server.app.inject({ method: 'DELETE', url: `/auth/tokens/${id}`, headers: bearer(token) }))
        .statusCode,
    ).toBe(204);
    expect(
      (await server.app.inject({ method: 'GET', url: '/auth/whoami', headers: bearer(second) })).statusCode,
    ).toBe(401);
  });

  it('refuses a disabled account on its next request', async () => {
    const token = await server.user('carol');
    await server.db.user.update({ where: { username: 'carol' }, data: { disabled: true } });
    expect(
      (await server.app.inject({ method: 'GET', url: '/auth/whoami', headers: bearer(token) })).statusCode,
    ).toBe(401);
  });
});

describe('authorisation of admin routes', () => {
  it('lets only admins create users, lab controllers, systems and products', async () => {
    const token = await server.user('dave');
    for (const [url, payload] of [
      ['/users', { username: 'x1', email: 'x1@example.com' }],
      ['/labcontrollers', { fqdn: 'lab.example.com' }],
      ['/systems', { fqdn: 'host.example.com', arches: ['x86_64'] }],
      ['/products', { name: 'p' }],
    ] as const) {
      const response = await server.app.inject({ method: 'POST', url, headers: bearer(token), payload });
      expect({ url, status: response.statusCode, code: response.json().code }).toEqual({
        url,
        status: 403,
        code: 'FORBIDDEN',
      });
    }
  });

  it('lets group owners, but not other members, add members', async () => {
    const owner = await server.user('erin');
    const member = await server.user('frank');
    await server.user('grace');
    expect(
      (
        await server.app.inject({
          method: 'POST',
          url: '/groups',
          headers: bearer(owner),
          payload: { name: 'qa' },
        })
      ).statusCode,
    ).toBe(201);
    const add = (token: string, username: string) =>
      server.app.inject({
        method: 'POST',
        url: '/groups/qa/members',
        headers: bearer(token),
        payload: { username },
      });
    expect((await add(owner, 'frank')).statusCode).toBe(204);
    expect((await add(member, 'grace')).statusCode).toBe(403);
    const group = await server.app.inject({ method: 'GET', url: '/groups/qa', headers: bearer(owner) });
    expect(group.json().members).toEqual(
      expect.arrayContaining([
        { username: 'erin', owner: true },
        { username: 'frank', owner: false },
      ]),
    );
  });

  it('answers errors as {code, message} with the right status', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/users',
      headers: bearer(server.adminToken),
      payload: { username: 'y' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('email') });
  });
});
