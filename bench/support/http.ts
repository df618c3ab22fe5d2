/** Small wrappers over Node's global fetch (undici), the client every benchmark uses against the real socket. */

/** Generous: a request this slow means something is stuck, and a benchmark must end rather than hang. */
const REQUEST_TIMEOUT_MS = 30_000;

export class HttpError extends Error {
  override name = 'HttpError';
}

/** Sends a request and returns the parsed JSON body; anything but 2xx throws with the server's answer. */
export async function request<T = unknown>(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: { json: unknown } | { xml: string },
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let payload: string | undefined;
  if (body && 'json' in body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body.json);
  } else if (body) {
    headers['content-type'] = 'application/xml';
    payload = body.xml;
  }
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers,
    body: payload,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  // Read the body in every case: an unread body keeps the keep-alive socket from being reused.
  const text = await response.text();
  if (!response.ok) throw new HttpError(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
