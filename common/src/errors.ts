/**
 * The one error type used across Erlen. `code` is stable (clients and tests match on it);
 * `statusCode` is the HTTP status the server answers with; `details` carries structured
 * context such as the list of XML problems with their line numbers.
 */
export class ErlenError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly statusCode: number = defaultStatus[code],
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ErlenError';
  }
}

const defaultStatus = {
  BAD_REQUEST: 400,
  /** A command-line tool was called with wrong arguments (the harness's helpers exit 2). */
  USAGE: 400,
  INVALID_JOB_XML: 400,
  HOSTILE_XML: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_TASKSPEC: 400,
  INVALID_FILTER: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  /** A per-recipe limit (results, log files) is reached; harnesses must not retry. */
  LIMIT_EXCEEDED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  NO_MATCHING_DISTRO: 400,
  CONFIG_INVALID: 500,
  /** A power script failed (lab controller). */
  POWER_FAILED: 502,
  /** A distro tree image could not be downloaded (lab controller); says nothing about the system. */
  IMAGE_FETCH_FAILED: 502,
  /** A service this one relays to cannot be reached now; retry later. */
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof defaultStatus;

export function isErlenError(error: unknown): error is ErlenError {
  return error instanceof ErlenError;
}
