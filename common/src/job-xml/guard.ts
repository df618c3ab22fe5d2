/**
 * Checks run on submitted job XML before any parser sees it. They are deliberately cheap,
 * linear and non-recursive so that hostile input (entity bombs, absurd nesting, huge bodies)
 * is refused in constant stack and roughly one pass over the text.
 */
import { ErlenError } from '../errors.js';
import type { XmlIssue } from './types.js';
import { LineIndex } from './xml-text.js';

export interface XmlLimits {
  /** Largest accepted document in bytes of UTF-8 (default 2 MiB). */
  maxBytes?: number;
  /** Deepest accepted element nesting (default 64; a Beaker job needs about 12). */
  maxDepth?: number;
  /**
   * Most elements accepted in one document (default 20,000: 50 recipes of 100 tasks with a
   * parameter each come to about 15,000). Each element costs parsing, semantic checks and
   * RELAX NG time in the shared schema worker, so a 2 MiB body of tiny siblings is refused.
   */
  maxElements?: number;
}

export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;
export const DEFAULT_MAX_ELEMENTS = 20_000;

export type JobXmlInput = string | Uint8Array;

/**
 * Size and encoding. Oversized input throws PAYLOAD_TOO_LARGE; text that is not UTF-8 or
 * contains binary data comes back as issues (it is invalid job XML rather than an attack).
 */
export function decodeJobXml(
  input: JobXmlInput,
  limits: XmlLimits = {},
): { text: string } | { issues: XmlIssue[] } {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  // A string's UTF-8 size is at least its length, so the cheap test settles huge bodies.
  const size =
    typeof input === 'string'
      ? input.length > maxBytes
        ? input.length
        : Buffer.byteLength(input)
      : input.byteLength;
  if (size > maxBytes) {
    throw new ErlenError(
      'PAYLOAD_TOO_LARGE',
      `job XML is ${size} bytes; the limit is ${maxBytes}`,
      undefined,
      [{ message: `document larger than ${maxBytes} bytes` }] satisfies XmlIssue[],
    );
  }
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    if ((input[0] === 0xfe && input[1] === 0xff) || (input[0] === 0xff && input[1] === 0xfe)) {
      return { issues: [{ line: 1, message: 'job XML must be UTF-8; this document is UTF-16' }] };
    }
    const bad = firstInvalidUtf8(input);
    if (bad !== -1) {
      const line = 1 + countNewlines(input, bad);
      return {
        issues: [
          { line, message: `job XML must be UTF-8 text; invalid byte 0x${hex(input[bad])} at offset ${bad}` },
        ],
      };
    }
    text = new TextDecoder('utf-8').decode(input);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const junk = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/u.exec(text);
  if (junk) {
    const code = junk[0].codePointAt(0) ?? 0;
    const line = new LineIndex(text).line(junk.index);
    return {
      issues: [
        {
          line,
          message: `job XML contains binary data (U+${code.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML)`,
        },
      ],
    };
  }
  const declared = /^<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']/.exec(text);
  const encoding = declared?.[1]?.toLowerCase();
  if (encoding && !['utf-8', 'utf8', 'us-ascii', 'ascii'].includes(encoding)) {
    return {
      issues: [
        { line: 1, message: `job XML must be UTF-8; the document declares encoding "${declared?.[1]}"` },
      ],
    };
  }
  return { text };
}

/**
 * Refuses DTDs of any kind (DOCTYPE, ENTITY, ELEMENT… declarations: external entities and
 * entity expansion bombs both need one), nesting deeper than the depth limit and more
 * elements than the element limit, all in one linear pass. Comments, CDATA sections and
 * processing instructions are skipped so their content cannot trigger any of these. Other
 * malformed markup is left for the well-formedness check to report.
 */
export function assertNotHostile(text: string, limits: XmlLimits = {}): void {
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxElements = limits.maxElements ?? DEFAULT_MAX_ELEMENTS;
  let depth = 0;
  let count = 0;
  let firstExcess = -1;
  let i = text.indexOf('<');
  while (i !== -1 && i < text.length) {
    const next = text.charCodeAt(i + 1);
    let end: number;
    if (text.startsWith('<!--', i)) {
      end = skipPast(text, '-->', i + 4);
    } else if (text.startsWith('<![CDATA[', i)) {
      end = skipPast(text, ']]>', i + 9);
    } else if (next === 0x3f /* ? */) {
      end = skipPast(text, '?>', i + 2);
    } else if (next === 0x21 /* ! */) {
      refuseDeclaration(text, i);
    } else if (next === 0x2f /* / */) {
      depth--;
      end = skipPast(text, '>', i + 2);
    } else {
      if (++count === maxElements + 1) firstExcess = i;
      const close = tagClose(text, i + 1);
      if (close === -1) {
        end = -1;
      } else {
        if (text.charCodeAt(close - 1) !== 0x2f /* / */) {
          depth++;
          if (depth > maxDepth) {
            const line = new LineIndex(text).line(i);
            throw new ErlenError(
              'HOSTILE_XML',
              `job XML nests elements deeper than ${maxDepth} levels (line ${line})`,
              undefined,
              [{ line, message: `element nesting deeper than ${maxDepth} levels` }] satisfies XmlIssue[],
            );
          }
        }
        end = close + 1;
      }
    }
    if (end === -1) {
      refuseAnyDeclaration(text, i);
      // The rest cannot be scanned reliably; count what looks like a start tag, so that a
      // late syntax error does not let a huge document through to the well-formedness check.
      for (let at = text.indexOf('<', i + 1); at !== -1; at = text.indexOf('<', at + 1)) {
        if (startsName(text.charCodeAt(at + 1)) && ++count === maxElements + 1) firstExcess = at;
      }
      break;
    }
    i = text.indexOf('<', end);
  }
  if (count > maxElements) refuseElementCount(text, count, maxElements, firstExcess);
}

function refuseElementCount(text: string, count: number, maxElements: number, at: number): never {
  const line = new LineIndex(text).line(at);
  const limit = maxElements.toLocaleString('en-US');
  throw new ErlenError(
    'HOSTILE_XML',
    `job has ${count.toLocaleString('en-US')} elements; the limit is ${limit}`,
    undefined,
    [{ line, message: `more than ${limit} elements` }] satisfies XmlIssue[],
  );
}

/** Whether a character can start an XML name (ASCII letters, `_`, `:` and anything non-ASCII). */
function startsName(ch: number): boolean {
  return (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a) || ch === 0x5f || ch === 0x3a || ch >= 0x80;
}

/**
 * Past malformed markup the scan cannot tell comments from content any more; the document
 * will be rejected as not well-formed anyway, but a declaration anywhere after that point
 * is still refused rather than trusted to later stages.
 */
function refuseAnyDeclaration(text: string, from: number): void {
  const found = /<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i.exec(text.slice(from));
  if (found) refuseDeclaration(text, from + found.index);
}

function refuseDeclaration(text: string, at: number): never {
  const word = /^<!\s*([A-Za-z]*)/.exec(text.slice(at, at + 20))?.[1]?.toUpperCase() ?? '';
  const what =
    word === 'DOCTYPE'
      ? 'DOCTYPE declarations are not allowed in job XML'
      : word === 'ENTITY'
        ? 'ENTITY declarations are not allowed in job XML'
        : `markup declarations (<!${word}) are not allowed in job XML`;
  const line = new LineIndex(text).line(at);
  throw new ErlenError('HOSTILE_XML', `${what} (line ${line})`, undefined, [
    { line, message: what },
  ] satisfies XmlIssue[]);
}

function skipPast(text: string, terminator: string, from: number): number {
  const at = text.indexOf(terminator, from);
  return at === -1 ? -1 : at + terminator.length;
}

/** Index of the `>` ending the tag whose name starts at `from`, honouring quoted values. */
function tagClose(text: string, from: number): number {
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (quote) {
      if (ch === quote) quote = 0;
    } else if (ch === 0x22 || ch === 0x27) {
      quote = ch;
    } else if (ch === 0x3e) {
      return i;
    } else if (ch === 0x3c) {
      // A '<' inside a tag is malformed; stop so the parser reports it at the right place.
      return -1;
    }
  }
  return -1;
}

/** Offset of the first byte that breaks UTF-8 (overlongs, surrogates and > U+10FFFF included), or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) n++;
  return n;
}

const hex = (b: number | undefined) => (b ?? 0).toString(16).padStart(2, '0');
