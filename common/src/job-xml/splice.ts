/**
 * Editing stored XML in place: replacing start tags and inserting children by offset, so
 * everything not touched (comments, layout, CDATA, entity spellings) survives byte for byte.
 */
import { indentBefore, renderElement, startTagEnd, type BuiltElement } from './xml-text.js';
import { elements, type XElement } from './xml-tree.js';

interface Edit {
  start: number;
  end: number;
  text: string;
  seq: number;
}

export class Edits {
  private readonly list: Edit[] = [];

  replace(start: number, end: number, text: string): void {
    this.list.push({ start, end, text, seq: this.list.length });
  }

  insert(at: number, text: string): void {
    this.replace(at, at, text);
  }

  apply(source: string): string {
    // At one offset, insertions go before a replacement that starts there, each in the order made.
    const sorted = [...this.list].sort(
      (a, b) => a.start - b.start || Number(a.end > a.start) - Number(b.end > b.start) || a.seq - b.seq,
    );
    let out = '';
    let pos = 0;
    for (const edit of sorted) {
      if (edit.start < pos) throw new Error(`overlapping XML edits at offset ${edit.start}`);
      out += source.slice(pos, edit.start) + edit.text;
      pos = edit.end;
    }
    return out + source.slice(pos);
  }
}

export interface Injection {
  /** Position in the element's canonical child order (see `rankOf`). */
  rank: number;
  element: BuiltElement;
}

/**
 * Gives `el` a new start tag and adds `items`, each before the first existing child that
 * comes later in the canonical order (children of unknown rank are never used as anchors),
 * else after the last child. New children copy the indentation of the existing ones.
 */
export function injectChildren(
  source: string,
  el: XElement,
  newStartTag: string,
  items: readonly Injection[],
  rankOf: (name: string) => number,
  edits: Edits,
  step = '  ',
): void {
  const ownIndent = indentBefore(source, el.start);
  const selfClosing = source.slice(el.end - 2, el.end) === '/>';
  const ordered = [...items].sort((a, b) => a.rank - b.rank);
  if (selfClosing) {
    if (ordered.length === 0) {
      edits.replace(el.start, el.end, newStartTag.replace(/>$/, '/>'));
    } else {
      const inner = ordered.map((item) => renderElement(item.element, ownIndent + step, step)).join('\n');
      edits.replace(el.start, el.end, `${newStartTag}\n${inner}\n${ownIndent}</${el.name}>`);
    }
    return;
  }
  edits.replace(el.start, startTagEnd(source, el.start) + 1, newStartTag);
  const kids = elements(el);
  const first = kids[0];
  const last = kids[kids.length - 1];
  const childIndent = first ? indentBefore(source, first.start) : ownIndent + step;
  if (!last) {
    if (ordered.length === 0) return;
    const inner = ordered.map((item) => renderElement(item.element, childIndent, step)).join('\n');
    edits.insert(source.lastIndexOf('</', el.end - 1), `\n${inner}\n${ownIndent}`);
    return;
  }
  for (const item of ordered) {
    const rendered = renderElement(item.element, childIndent, step);
    const anchor = kids.find((kid) => rankOf(kid.name) > item.rank);
    if (anchor) {
      edits.insert(anchor.start, `${rendered.slice(childIndent.length)}\n${childIndent}`);
    } else {
      edits.insert(last.end, `\n${rendered}`);
    }
  }
}

/** Rank function over a canonical order; names not in it get -1. */
export function rankIn(order: readonly string[]): (name: string) => number {
  return (name) => order.indexOf(name);
}
