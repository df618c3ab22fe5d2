/**
 * The one host filter engine: `<hostRequires>` (reference/beaker.md §3.5; Beaker's
 * Server/bkr/server/needpropertyxml.py) parsed once into a HostFilter and evaluated against
 * SystemFacts, for the scheduler, system search and explanations. Pure: no I/O, no Prisma.
 *
 *   const parsed = parseHostRequires(recipe.hostRequiresXml);
 *   if (parsed.ok) {
 *     const filter = withImplicitSystemType(parsed.filter, 'machine');
 *     const matches = compileHostFilter(filter); // matches(facts) → boolean
 *     explainHost(filter, facts);               // 'memory 4096 < 8192' | undefined
 *   }
 *
 * Semantics, as Beaker unless marked (deviation):
 * - Operators: `=` and `==` are equal; `!=`; `like` is SQL LIKE (`%`, `_`, `\` escapes) and
 *   case-insensitive; `<` `<=` `>` `>=`. Default op `==`. Equality and ordering of text are
 *   case-sensitive, by UTF-16 code units (deviation: MySQL collations made Beaker
 *   case-insensitive; the same choice as `<distroRequires>`). `like` on a number or date can
 *   only hold a number or date (validation), so it means equality there.
 * - Missing facts: a scalar fact the system does not have (no memory, numanodes, cpu, lab
 *   controller, power, user, loanee, inventory date, disks for diskspace) satisfies no
 *   comparison, `!=` included; SQL NULL behaves the same in Beaker. `<not>` negates the result
 *   (deviation: SQL's NOT NULL stays unknown, and Beaker's inner joins drop systems without
 *   a cpu/lab/power row from the whole query even under `<or>`).
 * - Multi-valued facts (arch, pool, cpu flag, key_value values, devices, disks): `!=` means
 *   none is equal, every other op means some entry satisfies it. `<device>` with `!=` means
 *   no device matches all its attributes; `<disk>` means one disk satisfies everything inside.
 * - Empty values constrain nothing (the element is dropped, and an and/or/not left empty with
 *   it), as Beaker's `if value:` — except where Beaker gives "" a meaning: `<pool value="">`
 *   (`=` ⇒ in no pool, `!=` ⇒ in some pool), `<last_inventoried value="">` (`=` ⇒ never
 *   inventoried, `!=` ⇒ inventoried, other ops match nothing), `<hypervisor value="">` (bare
 *   metal; no hypervisor and '' are the same), `<key_value value="">` (a value that is empty).
 *   Deviation: a numeric 0 is a value (Beaker's `if value:` also dropped `value="0"`).
 * - `<key_value>`: no value ⇒ `=`/`==` has the key, `!=` lacks it, other ops constrain
 *   nothing; numeric keys compare as numbers (`like` as text), a non-number then matches no
 *   value; `!=` with a value ⇒ no value of the key equals it (true when the key is missing).
 *   Deviation: Beaker ignores `<key_value>`/`<pool>` naming a key/pool unknown to the whole
 *   database; here such a filter simply matches no system (`=`), or every system (`!=`).
 * - Dates compare whole UTC days: `=` the same day, `<=` on or before, `>` after, etc.
 *   (deviation: Beaker's `<=` compares with midnight, excluding most of the day itself).
 * - Sizes: `units` bytes, B, kB = KB = 1000, KiB = 1024, MB, MiB, GB, GiB, TB, TiB; default
 *   bytes. `<diskspace>` is the sum over disks (no disks: unknown), `<diskcount>` their number.
 * - `<system><type>`/`<status>` and `<system_type>` honour `op` (deviation: Beaker ignores op
 *   there). `<device type=…>` uses the element's op like the other attributes (Beaker: always
 *   equality). `<cpu><hyper value="false">` asks for no hyper-threading (deviation: Beaker
 *   drops it). `<auto_prov value="false"/"0">` constrains nothing (deviation: Beaker applies
 *   it for any non-empty value); otherwise it needs power configuration and a lab controller.
 * - `<compatible_with_distro arch osmajor [osminor]>`: the system has the arch and no
 *   exclusion of that OS major on it, nor of that version (no osminor: of any version);
 *   without arch or osmajor it matches nothing.
 * - Unknown elements act like `<and>` around their children, in the same context (a
 *   warning). Deprecated spellings map to the current elements; `<host>` as `<hostname>`.
 * - `force="fqdn"`: the filter is `name = fqdn` and nothing else; the scheduler applies
 *   Beaker's other force rules. withImplicitSystemType adds `type = Machine` (guests:
 *   `Virtual`) unless force is set or the XML has a `<system_type>` anywhere or a `<type>`
 *   directly in a `<system>` (Beaker's test, even when that element's value is empty).
 */
export type * from './types.js';
export {
  parseHostRequires,
  filterFromElement,
  storedHostFilter,
  hostFilterFromStore,
  HOST_FILTER_FORMAT,
  MATCH_ALL,
  type HostRequiresParse,
} from './parse.js';
export { compileHostFilter, matchesHost, type HostPredicate } from './evaluate.js';
export { explainHost, explainHostDetail, describeNode, type HostMismatch } from './explain.js';
export { withImplicitSystemType, type RecipeKind } from './system-type.js';
export { UNIT_BYTES, type Unit } from './units.js';
