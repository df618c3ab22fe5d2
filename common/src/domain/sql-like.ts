/**
 * SQL LIKE matching without regular expressions, for `op="like"` in `<distroRequires>` and
 * `<hostRequires>`: `%` matches any run of characters (including none), `_` exactly one.
 * Both the pattern and the value are compared by Unicode code points, so `_` matches one
 * astral character such as an emoji, not half of its surrogate pair.
 *
 * Escape character: Beaker hands the value to SQLAlchemy's `column.like(value)`, which emits
 * `LIKE %s` without an ESCAPE clause, so MySQL's default escape character applies: `\`.
 * (PostgreSQL's default is `\` too.) Following MySQL, `\%`, `\_` and `\\` match a literal
 * `%`, `_` and `\`, `\` before any other character matches that character, and a `\` at the
 * very end of the pattern matches a literal `\`. Pass `escape: null` for a pattern with no
 * escape character at all, or another single character to use that instead.
 *
 * Matching takes O(n·⌈m/32⌉) time at worst (n value length, m pattern length) and is linear
 * for patterns whose `%`-separated pieces have no `_`; it never backtracks exponentially: the pattern is split at its `%`s into fixed-length segments; the first
 * must match at the start, the last at the end, and each one between is placed at its
 * leftmost occurrence after the previous one (which is what the classic greedy two-pointer
 * algorithm does when it backtracks only to the last `%`). Segments without `_` are found
 * with Knuth–Morris–Pratt in O(n + m), segments with `_` with bit-parallel shift-and in
 * O(n·⌈m/32⌉); each character of the value is scanned by one segment search at most.
 *
 * Compile once, match many times: `compileLike` does all the pattern work up front.
 */

export interface LikeOptions {
  /**
   * Compare case-insensitively (default false). Each code point is folded on its own with
   * JavaScript's locale-independent case mapping (simple case folding: `ς`, `σ` and `Σ` are one
   * letter; mappings that change the number of characters, like `ß` → `SS`, are not applied).
   */
  caseInsensitive?: boolean;
  /** The escape character (default `\`, as MySQL and PostgreSQL); null or '' for none. */
  escape?: string | null;
}

export type LikeMatcher = (value: string) => boolean;

/** `_` in a compiled segment; literal code points are >= 0. */
const ANY_ONE = -1;

interface Segment {
  /** Code points (folded when case-insensitive), with ANY_ONE for `_`. */
  units: Int32Array;
  /** KMP failure table, for a segment without `_`. */
  failure?: Int32Array;
  /** Shift-and tables, for a segment with `_`. */
  bitap?: Bitap;
}

/**
 * Shift-and (Baeza-Yates–Gonnet) over ⌈m/32⌉ words: bit j of the state says the segment's
 * first j + 1 units match the text ending at the current character. `_` is a position every
 * character's mask has set, so the scan is O(n·⌈m/32⌉) whatever the segment looks like.
 */
interface Bitap {
  words: number;
  /** Mask of each literal code point in the segment (the `_` positions included). */
  masks: Map<number, Uint32Array>;
  /** Mask of any other character: the `_` positions only. */
  other: Uint32Array;
}

/** Compiles a LIKE pattern into a matcher function. */
export function compileLike(pattern: string, options: LikeOptions = {}): LikeMatcher {
  const fold = options.caseInsensitive === true;
  const escape = escapeCodePoint(options.escape === undefined ? '\\' : options.escape);

  // Split at unescaped `%` into segments of literals and `_`; runs of `%` merge.
  const segments: number[][] = [[]];
  const points = codePointsOf(pattern);
  for (let i = 0; i < points.length; i++) {
    let cp = points[i] as number;
    let literal = false;
    if (cp === escape && i + 1 < points.length) {
      cp = points[++i] as number;
      literal = true;
    }
    if (!literal && cp === 0x25 /* % */) {
      segments.push([]);
    } else {
      const unit = !literal && cp === 0x5f /* _ */ ? ANY_ONE : fold ? foldCase(cp) : cp;
      (segments[segments.length - 1] as number[]).push(unit);
    }
  }

  const [first, ...rest] = segments.map(compileSegment) as [Segment, ...Segment[]];
  if (rest.length === 0) {
    // No `%`: the value must have exactly the pattern's length.
    return (value) => {
      const n = toCodePoints(value, fold);
      return n === first.units.length && matchesAt(first.units, 0);
    };
  }
  const last = rest.pop() as Segment;
  const middle = rest.filter((segment) => segment.units.length > 0);
  const minLength = first.units.length + last.units.length + middle.reduce((n, s) => n + s.units.length, 0);

  return (value) => {
    const n = toCodePoints(value, fold);
    if (n < minLength) return false;
    const end = n - last.units.length;
    if (!matchesAt(first.units, 0) || !matchesAt(last.units, end)) return false;
    let pos = first.units.length;
    for (const segment of middle) {
      const at = findSegment(segment, pos, end);
      if (at === -1) return false;
      pos = at + segment.units.length;
    }
    return true;
  };
}

/** The escape option as a code point, or -1 for none; it must be a single character. */
function escapeCodePoint(escape: string | null): number {
  if (escape === null || escape === '') return -1;
  const points = codePointsOf(escape);
  if (points.length !== 1) throw new RangeError(`LIKE escape must be one character, not "${escape}"`);
  return points[0] as number;
}

function compileSegment(units: number[]): Segment {
  const array = Int32Array.from(units);
  if (units.includes(ANY_ONE)) return { units: array, bitap: bitapTables(array) };
  return { units: array, failure: failureTable(array) };
}

function bitapTables(units: Int32Array): Bitap {
  const words = (units.length + 31) >>> 5;
  const other = new Uint32Array(words);
  units.forEach((unit, j) => {
    if (unit === ANY_ONE) other[j >>> 5] = (other[j >>> 5] as number) | (1 << (j & 31));
  });
  const masks = new Map<number, Uint32Array>();
  units.forEach((unit, j) => {
    if (unit === ANY_ONE) return;
    let mask = masks.get(unit);
    if (!mask) masks.set(unit, (mask = Uint32Array.from(other)));
    mask[j >>> 5] = (mask[j >>> 5] as number) | (1 << (j & 31));
  });
  return { words, masks, other };
}

/** KMP: failure[i] is the length of the longest proper border of units[0..i]. */
function failureTable(units: Int32Array): Int32Array {
  const failure = new Int32Array(units.length);
  let k = 0;
  for (let i = 1; i < units.length; i++) {
    while (k > 0 && units[i] !== units[k]) k = failure[k - 1] as number;
    if (units[i] === units[k]) k++;
    failure[i] = k;
  }
  return failure;
}

// The value's code points, converted per call into a reused buffer (matching is synchronous).
let scratch = new Int32Array(256);

/** Fills `scratch` with the value's code points (folded if asked); returns their count. */
function toCodePoints(value: string, fold: boolean): number {
  if (scratch.length < value.length) scratch = new Int32Array(Math.max(value.length, scratch.length * 2));
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    let cp = value.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < value.length) {
      const low = value.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    scratch[n++] = fold ? foldCase(cp) : cp;
  }
  return n;
}

/** Whether the segment matches the buffered value at `at` (the caller checked the bounds). */
function matchesAt(units: Int32Array, at: number): boolean {
  for (let k = 0; k < units.length; k++) {
    const unit = units[k] as number;
    if (unit !== ANY_ONE && unit !== scratch[at + k]) return false;
  }
  return true;
}

/** Leftmost start in [from, end - length] where the segment matches the buffered value, or -1. */
function findSegment(segment: Segment, from: number, end: number): number {
  const { units, failure, bitap } = segment;
  const m = units.length;
  if (failure) {
    let k = 0;
    for (let i = from; i < end; i++) {
      const cp = scratch[i];
      while (k > 0 && units[k] !== cp) k = failure[k - 1] as number;
      if (units[k] === cp) k++;
      if (k === m) return i - m + 1;
    }
    return -1;
  }
  if (!bitap) return -1; // every segment has one of the two tables
  const { words, masks, other } = bitap;
  const state = new Uint32Array(words);
  const top = words - 1;
  const found = 1 << ((m - 1) & 31);
  for (let i = from; i < end; i++) {
    const mask = masks.get(scratch[i] as number) ?? other;
    // state = ((state << 1) | 1) & mask, across words from the highest down.
    for (let w = top; w > 0; w--)
      state[w] = (((state[w] as number) << 1) | ((state[w - 1] as number) >>> 31)) & (mask[w] as number);
    state[0] = (((state[0] as number) << 1) | 1) & (mask[0] as number);
    if ((state[top] as number) & found) return i - m + 1;
  }
  return -1;
}

function codePointsOf(text: string): number[] {
  const points: number[] = [];
  for (const ch of text) points.push(ch.codePointAt(0) as number);
  return points;
}

// Folded BMP code points, filled lazily (stored + 1 so that 0 means "not yet computed").
let bmpFolds: Uint32Array | undefined;

/** Simple case folding of one code point: lower(upper(c)) when each maps to one character. */
export function foldCase(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp;
  if (cp <= 0xffff) {
    bmpFolds ??= new Uint32Array(0x10000);
    const known = bmpFolds[cp] as number;
    if (known !== 0) return known - 1;
    const folded = computeFold(cp);
    bmpFolds[cp] = folded + 1;
    return folded;
  }
  return computeFold(cp);
}

function computeFold(cp: number): number {
  const ch = String.fromCodePoint(cp);
  const upper = ch.toUpperCase();
  const base = single(upper) === undefined ? ch : upper;
  return single(base.toLowerCase()) ?? single(ch.toLowerCase()) ?? cp;
}

/** The string's code point if it is exactly one character, else undefined. */
function single(text: string): number | undefined {
  const cp = text.codePointAt(0);
  return cp !== undefined && text.length === (cp > 0xffff ? 2 : 1) ? cp : undefined;
}
