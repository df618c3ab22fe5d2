import {
  ApiError,
  CliError,
  EXIT_INTERRUPTED,
  InterruptedError,
  UsageError,
} from '../../../cli/src/errors.js';
import { exitCodeOf, formatError, formatIssue, formatWarning } from '../../../cli/src/format-error.js';

describe('formatIssue and formatWarning', () => {
  it('prints FILE:LINE: message, or FILE: message without a line', () => {
    expect(formatIssue('job.xml', { line: 7, column: 3, message: 'unknown element <foo>' })).toBe(
      'job.xml:7: unknown element <foo>',
    );
    expect(formatIssue('job.xml', { message: 'empty document' })).toBe('job.xml: empty document');
  });

  it('accepts warnings as strings or issues', () => {
    expect(formatWarning('a.xml', 'deprecated')).toBe('a.xml: warning: deprecated');
    expect(formatWarning('a.xml', { line: 2, message: 'old' })).toBe('a.xml:2: warning: old');
    expect(formatWarning('a.xml', { odd: true })).toBe('a.xml: warning: {"odd":true}');
  });
});

describe('formatError', () => {
  it('lists every INVALID_JOB_XML issue against the file', () => {
    const error = new ApiError(400, 'INVALID_JOB_XML', 'job XML is invalid', [
      { line: 3, message: 'missing <distroRequires>' },
      { message: 'no recipe sets' },
    ]);
    expect(formatError(error, 'job.xml')).toEqual([
      'erlen: job XML is invalid',
      'job.xml:3: missing <distroRequires>',
      'job.xml: no recipe sets',
    ]);
  });

  it('adds a hint for authentication problems and names the item being worked on', () => {
    expect(formatError(new ApiError(401, 'UNAUTHENTICATED', 'bad token'), undefined, 'J:4')).toEqual([
      'erlen: J:4: bad token (check the token (ERLEN_TOKEN, --token or the config file))',
    ]);
  });

  it('reports unexpected exceptions as internal errors', () => {
    expect(formatError(new TypeError('boom'))[0]).toMatch(/^erlen: internal error: TypeError: boom/);
  });
});

describe('exitCodeOf', () => {
  it('maps usage errors to 2, interrupts to 130 and everything else to 1', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new InterruptedError())).toBe(EXIT_INTERRUPTED);
    expect(exitCodeOf(new CliError('x'))).toBe(1);
    expect(exitCodeOf(new ApiError(404, 'NOT_FOUND', 'x'))).toBe(1);
    expect(exitCodeOf(new Error('x'))).toBe(1);
  });
});
