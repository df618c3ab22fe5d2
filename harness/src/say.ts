/**
 * The harness's own messages. They go to stderr, which on a test system is the console the
 * lab controller's console log captures, so each line names who speaks.
 */
export function say(message: string): void {
  process.stderr.write(`erlen-harness: ${message}\n`);
}
