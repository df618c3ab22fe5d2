/** Small string-level helpers shared by the parser side and the renderers. */

// Characters XML 1.0 cannot carry, literally or as references: everything outside
// #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. Under the u flag a
// well-formed surrogate pair is one code point >= U+10000, so only lone surrogates match.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NOT_XML_CHARS = new RegExp(NOT_XML_CHAR.source, 'gu');

/** Whether every character of the value can appear in an XML 1.0 document. */
export function isXmlSafe(value: string): boolean {
  return !NOT_XML_CHAR.test(value);
}

/**
 * The value with every character XML 1.0 cannot carry (C0 controls other than tab, newline
 * and carriage return; lone surrogates; U+FFFE and U+FFFF) replaced by `replacement`, by
 * default removed. The renderers use U+FFFD so that the loss stays visible.
 */
export function stripInvalidXmlChars(value: string, replacement = ''): string {
  return isXmlSafe(value) ? value : value.replace(NOT_XML_CHARS, replacement);
}

/** The first character XML 1.0 cannot carry, as "U+001B", or undefined; for error messages. */
export function firstInvalidXmlChar(value: string): string | undefined {
  const found = NOT_XML_CHAR.exec(value);
  if (!found) return undefined;
  return `U+${(found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Text content: markup characters escaped, characters XML cannot carry replaced by U+FFFD. */
export function escapeText(value: string): string {
  return stripInvalidXmlChars(value, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** An attribute value for double quotes, likewise sanitised. */
export function escapeAttr(value: string): string {
  // Newlines and tabs are escaped so they survive attribute-value normalisation on re-parse.
  return escapeText(value)
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

/** Attributes in the order given; undefined values are left out. */
export type AttrList = readonly (readonly [string, string | undefined])[];

export function formatAttrs(attrs: AttrList): string {
  let out = '';
  for (const [name, value] of attrs) if (value !== undefined) out += ` ${name}="${escapeAttr(value)}"`;
  return out;
}

export function startTag(name: string, attrs: AttrList, selfClosing = false): string {
  return `<${name}${formatAttrs(attrs)}${selfClosing ? '/>' : '>'}`;
}

/** Maps string offsets to 1-based line numbers; built once per document. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  line(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}

/** Index of the `>` that closes the start tag beginning at `start` (quotes may contain `>`). */
export function startTagEnd(text: string, start: number): number {
  let quote = '';
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '>') {
      return i;
    }
  }
  return -1;
}

/** The whitespace that precedes `offset` on its line, or '' if other text precedes it. */
export function indentBefore(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const prefix = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(prefix) ? prefix : '';
}

/** Collapses whitespace between tags, for comparing documents that differ only in layout. */
export function normaliseXmlWhitespace(xml: string): string {
  return xml.replace(/>\s+</g, '><').trim();
}

/** A small element built by the renderers; string children are text. */
export interface BuiltElement {
  name: string;
  attrs?: AttrList;
  children?: readonly (BuiltElement | string)[];
}

/**
 * Serialises a built element. Element-only content is laid out one child per line; mixed
 * content (as in a `<result>` message followed by its `<logs>`) is written inline.
 */
export function renderElement(el: BuiltElement, indent = '', step = '  '): string {
  const children = el.children ?? [];
  if (children.length === 0) return `${indent}${startTag(el.name, el.attrs ?? [], true)}`;
  if (children.some((child) => typeof child === 'string')) return `${indent}${renderInline(el)}`;
  const inner = children.map((child) => renderElement(child as BuiltElement, indent + step, step)).join('\n');
  return `${indent}${startTag(el.name, el.attrs ?? [])}\n${inner}\n${indent}</${el.name}>`;
}

function renderInline(el: BuiltElement): string {
  const children = el.children ?? [];
  if (children.length === 0) return startTag(el.name, el.attrs ?? [], true);
  const inner = children
    .map((child) => (typeof child === 'string' ? escapeText(child) : renderInline(child)))
    .join('');
  return `${startTag(el.name, el.attrs ?? [])}${inner}</${el.name}>`;
}
