import { pino, type Logger } from 'pino';

/** Structured logs; authorization headers and secrets are redacted wherever they appear. */
export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['req.headers.authorization', '*.password', '*.token', '*.passwordEncrypted', 'power.password'],
      censor: '[redacted]',
    },
  });
}
