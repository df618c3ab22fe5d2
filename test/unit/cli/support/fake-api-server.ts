/**
 * A stand-in for the Erlen server, NOT the real one: a bare node:http server on 127.0.0.1
 * that records every request and answers from a per-test route table written to
 * docs/api.md. It proves what the CLI sends and how it treats the contract's answers;
 * integration tests against the real server are a separate suite.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. `/jobs/12`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeReply {
  status?: number;
  /** Objects are sent as JSON; strings as they are. */
  body?: unknown;
  contentType?: string;
}

/** Answers a request; return undefined to fall through to a 404 NOT_FOUND. */
export type Route = (request: RecordedRequest) => FakeReply | undefined;

export interface FakeApiServer {
  url: string;
  requests: RecordedRequest[];
  /** Routes are keyed `METHOD /path` (exact path match). */
  routes: Map<string, Route>;
  on(method: string, path: string, route: Route | FakeReply): void;
  close(): Promise<void>;
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = [];
  const routes = new Map<string, Route>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const route = routes.get(`${recorded.method} ${recorded.path}`);
      const reply = route?.(recorded) ?? {
        status: 404,
        body: { code: 'NOT_FOUND', message: `no route ${recorded.method} ${recorded.path}` },
      };
      const isText = typeof reply.body === 'string';
      res.writeHead(reply.status ?? 200, {
        'content-type': reply.contentType ?? (isText ? 'application/xml' : 'application/json'),
      });
      res.end(reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes,
    on(method, path, route) {
      routes.set(`${method} ${path}`, typeof route === 'function' ? route : () => route);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
