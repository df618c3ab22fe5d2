/**
 * Kernel command-line options as Beaker layers them (reference/beaker.md §1.3): a string is a
 * list of shell words, each `key=value` or a bare flag `key`; a key may repeat
 * (`console=tty0 console=ttyS0`). Layers are applied in order (distro tree, then the system's
 * install options, then the recipe): a key in a later layer replaces all of that key's
 * values, and `!key` removes the key.
 */

/** Values per key, in the order written; `null` is a bare flag. Keys keep insertion order. */
export type KernelOptions = Map<string, (string | null)[]>;

/**
 * Parses an options string. Never throws: job XML is checked when it is submitted
 * (`shellWordsProblem`), but tree and system options are not, and the server parses them
 * while answering a lab controller; an unclosed quote simply runs to the end.
 */
export function parseKernelOptions(text: string): KernelOptions {
  const options: KernelOptions = new Map();
  for (const word of shellWords(text)) {
    const equals = word.indexOf('=');
    const key = equals < 0 ? word : word.slice(0, equals);
    // `=value` has no key to attach to; Beaker drops it too.
    if (key === '') continue;
    const value = equals < 0 ? null : word.slice(equals + 1);
    const values = options.get(key);
    if (values) values.push(value);
    else options.set(key, [value]);
  }
  return options;
}

/**
 * The options as one command line, in insertion order. A value with blanks is double-quoted
 * (`key="a b"`), the form the Linux kernel reads; `parseKernelOptions` reads every output back
 * to the same options.
 */
export function formatKernelOptions(options: KernelOptions): string {
  const words: string[] = [];
  for (const [key, values] of options) {
    for (const value of values)
      words.push(value === null ? quoteWord(key) : `${quoteWord(key)}=${quoteWord(value)}`);
  }
  return words.join(' ');
}

/** Applies each layer over the ones before it. */
export function layerKernelOptions(...layers: string[]): KernelOptions {
  const result: KernelOptions = new Map();
  for (const layer of layers) {
    // In written order, so `!console console=ttyS0` in one layer replaces rather than removes.
    for (const [key, values] of parseKernelOptions(layer)) {
      if (key.startsWith('!')) result.delete(key.slice(1));
      else result.set(key, [...values]);
    }
  }
  return result;
}

/**
 * Splits like POSIX shlex (what Beaker uses): blanks separate words, quotes group, a backslash
 * escapes the next character outside quotes and `"` or `\` inside double quotes.
 */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '' | '"' | "'" = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = '';
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = '';
      else if (ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i];
      else word += ch;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (ch === '"' || ch === "'") quote = ch;
      // A trailing backslash has nothing to escape: keep it.
      else if (ch === '\\' && i + 1 < text.length) word += text[++i];
      else word += ch;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function quoteWord(text: string): string {
  // Empty needs no quotes either: `key=` reads back as an empty value.
  if (!/[\s"'\\]/.test(text)) return text;
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}
