import { describe, expect, it } from '@jest/globals';
import { formatTaskspec, parseTaskspec } from '../../../common/src/domain/taskspec.js';

describe('taskspecs', () => {
  it.each([
    ['J:12', { kind: 'J', id: 12 }],
    ['RS:3', { kind: 'RS', id: 3 }],
    [' R:7 ', { kind: 'R', id: 7 }],
    ['T:9', { kind: 'T', id: 9 }],
    ['TR:4', { kind: 'TR', id: 4 }],
  ])('parses %s', (text, expected) => {
    expect(parseTaskspec(text)).toEqual(expected);
  });

  it.each(['12', 'J:', 'J:0', 'J:-1', 'X:1', 'j:1', 'J:1.5', 'J:12345678901234567'])('refuses %s', (text) => {
    expect(() => parseTaskspec(text)).toThrow(expect.objectContaining({ code: 'INVALID_TASKSPEC' }));
  });

  it('refuses a kind the caller does not accept, naming what it does', () => {
    expect(() => parseTaskspec('R:1', ['J', 'RS'])).toThrow(/J, RS/);
  });

  it('formats', () => {
    expect(formatTaskspec('RS', 5)).toBe('RS:5');
  });
});
