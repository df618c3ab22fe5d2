import type { FastifyError, FastifyInstance } from 'fastify';
import { ErlenError, isErlenError } from '../../../common/src/errors.js';

/**
 * Every failure leaves the server as `{ code, message, details? }`. Unexpected errors are
 * logged with the request id and reported without their internals.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ErlenError, request, reply) => {
    if (isErlenError(error)) {
      if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
      return reply
        .status(error.statusCode)
        .send({ code: error.code, message: error.message, details: error.details });
    }
    if (isUniqueViolation(error)) {
      // Two requests raced to create the same name; the loser gets what a sequential one would.
      return reply.status(409).send({ code: 'CONFLICT', message: 'that name is already taken' });
    }
    if (isDatabaseBusy(error)) {
      // No pool connection or transaction slot in time: overload, not a bug. 503 is what
      // clients (the CLI, lab controllers, harnesses through them) retry.
      request.log.warn({ reason: error.message }, 'database busy');
      return reply
        .status(503)
        .send({ code: 'UNAVAILABLE', message: 'the server is busy; try again shortly' });
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      const details = error.validation.map((v) => ({
        path: `${where}${v.instancePath}`,
        message: v.message,
      }));
      return reply
        .status(400)
        .send({ code: 'BAD_REQUEST', message: `invalid ${where}: ${error.message}`, details });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .status(413)
        .send({ code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than the server accepts' });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send({ code: 'UNSUPPORTED_MEDIA_TYPE', message: error.message });
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ code: 'BAD_REQUEST', message: error.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ code: 'INTERNAL', message: `internal error (request ${request.id})` });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}

/** Prisma's "timed out fetching a connection from the pool" and "unable to start a transaction". */
const DATABASE_BUSY_CODES = new Set(['P2024', 'P2028']);
function isDatabaseBusy(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && DATABASE_BUSY_CODES.has(code);
}
