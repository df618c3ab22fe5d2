/**
 * A minimal element tree over fast-xml-parser's ordered output, keeping each element's
 * offsets in the source text so callers can report lines and cut out verbatim XML.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { XmlIssue } from './types.js';
import { LineIndex } from './xml-text.js';

export interface XElement {
  kind: 'element';
  name: string;
  attrs: Readonly<Record<string, string>>;
  children: XNode[];
  /** Offset of `<` and one past the final `>` in the source text. */
  start: number;
  end: number;
  line: number;
}
export type XNode =
  XElement | { kind: 'text'; text: string; cdata: boolean } | { kind: 'comment'; text: string };

export interface XDocument {
  text: string;
  root: XElement | undefined;
  lines: LineIndex;
}

// Typed as the Symbol wrapper object by fast-xml-parser; it is a primitive symbol.
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

// Entity processing is done here rather than by the parser: DTDs are refused up front, so
// only the five predefined entities and character references can occur, and the parser's
// expansion counters would otherwise count ordinary &amp;s against its limits.
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: false,
  htmlEntities: false,
  captureMetaData: true,
});

/** fast-xml-parser's well-formedness check; it stops at the first problem. */
export function checkWellFormed(text: string): XmlIssue | undefined {
  const result = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (result === true) return undefined;
  return { line: result.err.line, column: result.err.col, message: `not well-formed: ${result.err.msg}` };
}

/** Parses text that is already known to be well-formed. */
export function parseTree(text: string): XDocument {
  const lines = new LineIndex(text);
  const ordered = parser.parse(text) as OrderedNode[];
  let root: XElement | undefined;
  for (const node of ordered) {
    const converted = convert(node, lines);
    if (converted?.kind === 'element') {
      root = converted;
      break;
    }
  }
  return { text, root, lines };
}

type OrderedNode = Record<string, unknown> & { [META]?: { startIndex?: number; endIndex?: number } };

function convert(node: OrderedNode, lines: LineIndex): XNode | undefined {
  const name = Object.keys(node).find((key) => key !== ':@');
  if (name === undefined) return undefined;
  const content = node[name];
  if (name === '#text') return { kind: 'text', text: decodeEntities(String(content)), cdata: false };
  if (name === '#cdata') return { kind: 'text', text: rawText(content), cdata: true };
  if (name === '#comment') return { kind: 'comment', text: rawText(content) };
  const meta = node[META];
  const start = meta?.startIndex ?? 0;
  const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
  const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(rawAttrs)) attrs[key] = decodeAttribute(String(value));
  const children: XNode[] = [];
  for (const child of (content ?? []) as OrderedNode[]) {
    const converted = convert(child, lines);
    if (converted) children.push(converted);
  }
  return {
    kind: 'element',
    name,
    attrs,
    children,
    start,
    end: meta?.endIndex ?? start,
    line: lines.line(start),
  };
}

function rawText(content: unknown): string {
  return ((content ?? []) as { '#text'?: unknown }[]).map((part) => String(part['#text'] ?? '')).join('');
}

const ENTITY = /&(?:#(\d+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(
    ENTITY,
    (whole, dec: string | undefined, hex: string | undefined, named: string | undefined) => {
      if (named) return NAMED[named] ?? whole;
      const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    },
  );
}

/** XML attribute-value normalisation: literal whitespace becomes spaces, references stay exact. */
function decodeAttribute(value: string): string {
  return decodeEntities(value.replace(/[\t\n\r]/g, ' '));
}

// ---------------------------------------------------------------------------------------
// Navigation helpers used by the semantic checks and the spec builder.

export const elements = (el: XElement): XElement[] =>
  el.children.filter((c): c is XElement => c.kind === 'element');

export const childrenNamed = (el: XElement, name: string): XElement[] =>
  elements(el).filter((c) => c.name === name);

export const firstChild = (el: XElement, name: string): XElement | undefined =>
  elements(el).find((c) => c.name === name);

/** Concatenated text and CDATA content (direct children only), like lxml's findtext. */
export function textContent(el: XElement): string {
  let out = '';
  for (const child of el.children) if (child.kind === 'text') out += child.text;
  return out;
}

export const attr = (el: XElement, name: string): string | undefined => el.attrs[name];

/** Beaker keeps children of `<job>` in any XML namespace (xpath `*[namespace-uri()]`) as extra XML. */
export const isNamespaced = (el: XElement): boolean => el.name.includes(':') || Boolean(el.attrs['xmlns']);
