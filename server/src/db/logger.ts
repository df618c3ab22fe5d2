/** The slice of pino's Logger that the db helpers use, so callers can pass pino or nothing. */
export interface InfoLogger {
  info(obj: object, msg: string): void;
}
