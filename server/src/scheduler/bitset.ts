/**
 * Fixed-capacity sets of system slots. The scheduler keeps one per recipe (the systems its
 * filter matches) and one per fact it masks with (free, Automated, lab, owner, pool, loan…),
 * so a placement decision is a handful of word-wise ANDs instead of filter evaluations:
 * 5,000 systems are 157 words.
 */
export class Bitset {
  readonly words: Uint32Array;

  constructor(readonly capacity: number) {
    this.words = new Uint32Array(Math.ceil(capacity / 32));
  }

  fill(): this {
    this.words.fill(0xffffffff);
    const spare = this.words.length * 32 - this.capacity;
    if (spare > 0) this.words[this.words.length - 1] = 0xffffffff >>> spare;
    return this;
  }

  has(slot: number): boolean {
    return ((this.words[slot >>> 5] as number) & (1 << (slot & 31))) !== 0;
  }

  set(slot: number, on = true): void {
    const index = slot >>> 5;
    const bit = 1 << (slot & 31);
    this.words[index] = on ? (this.words[index] as number) | bit : (this.words[index] as number) & ~bit;
  }

  copy(): Bitset {
    const out = new Bitset(this.capacity);
    out.words.set(this.words);
    return out;
  }

  // The word loops below do four words a turn: V8 spent more on the loop's own checks than
  // on the operations. A cold start's 10,000 recipes × ~8 ANDs of 168 words: 60 → 22 ms.

  /** In place: this ∧ other. */
  and(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    const end = a.length - (a.length % 4);
    let i = 0;
    for (; i < end; i += 4) {
      a[i] = (a[i] as number) & (b[i] as number);
      a[i + 1] = (a[i + 1] as number) & (b[i + 1] as number);
      a[i + 2] = (a[i + 2] as number) & (b[i + 2] as number);
      a[i + 3] = (a[i + 3] as number) & (b[i + 3] as number);
    }
    for (; i < a.length; i++) a[i] = (a[i] as number) & (b[i] as number);
    return this;
  }

  /** In place: this ∨ other. */
  or(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    const end = a.length - (a.length % 4);
    let i = 0;
    for (; i < end; i += 4) {
      a[i] = (a[i] as number) | (b[i] as number);
      a[i + 1] = (a[i + 1] as number) | (b[i + 1] as number);
      a[i + 2] = (a[i + 2] as number) | (b[i + 2] as number);
      a[i + 3] = (a[i + 3] as number) | (b[i + 3] as number);
    }
    for (; i < a.length; i++) a[i] = (a[i] as number) | (b[i] as number);
    return this;
  }

  /** In place: this ∧ ¬other. */
  andNot(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    const end = a.length - (a.length % 4);
    let i = 0;
    for (; i < end; i += 4) {
      a[i] = (a[i] as number) & ~(b[i] as number);
      a[i + 1] = (a[i + 1] as number) & ~(b[i + 1] as number);
      a[i + 2] = (a[i + 2] as number) & ~(b[i + 2] as number);
      a[i + 3] = (a[i + 3] as number) & ~(b[i + 3] as number);
    }
    for (; i < a.length; i++) a[i] = (a[i] as number) & ~(b[i] as number);
    return this;
  }

  /** In place: ¬this (within capacity). */
  not(): this {
    const a = this.words;
    for (let i = 0; i < a.length; i++) a[i] = ~(a[i] as number);
    const spare = a.length * 32 - this.capacity;
    if (spare > 0) a[a.length - 1] = (a[a.length - 1] as number) & (0xffffffff >>> spare);
    return this;
  }

  isEmpty(): boolean {
    for (const word of this.words) if (word !== 0) return false;
    return true;
  }

  count(): number {
    let total = 0;
    for (let word of this.words) {
      word = word - ((word >>> 1) & 0x55555555);
      word = (word & 0x33333333) + ((word >>> 2) & 0x33333333);
      total += (((word + (word >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return total;
  }

  /** The lowest slot in the set, or -1. */
  first(): number {
    const a = this.words;
    for (let i = 0; i < a.length; i++) {
      const word = a[i] as number;
      if (word !== 0) return i * 32 + (31 - Math.clz32(word & -word));
    }
    return -1;
  }

  /** The n-th slot in ascending order (0-based), or -1: uniform picks use nth(random·count). */
  nth(n: number): number {
    const a = this.words;
    for (let i = 0; i < a.length; i++) {
      let word = a[i] as number;
      while (word !== 0) {
        const low = word & -word;
        if (n === 0) return i * 32 + (31 - Math.clz32(low));
        n--;
        word ^= low;
      }
    }
    return -1;
  }

  *slots(): IterableIterator<number> {
    const a = this.words;
    for (let i = 0; i < a.length; i++) {
      let word = a[i] as number;
      while (word !== 0) {
        const low = word & -word;
        yield i * 32 + (31 - Math.clz32(low));
        word ^= low;
      }
    }
  }

  /** Indices of the words holding at least one slot. */
  nonZeroWords(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.words.length; i++) if (this.words[i] !== 0) out.push(i);
    return out;
  }

  /** Whether this ∧ other is non-empty, looking only at the given words (other's non-zero ones). */
  intersectsAt(other: Bitset, words: readonly number[]): boolean {
    const a = this.words;
    const b = other.words;
    for (const i of words) if (((a[i] as number) & (b[i] as number)) !== 0) return true;
    return false;
  }
}
