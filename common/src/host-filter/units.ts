/**
 * Values as `<hostRequires>` writes them: byte units, dates, booleans and numbers. The
 * lists of valid units and the date check are job-xml's (hostreq-rules.ts), so submission
 * validation and evaluation cannot disagree about what is valid.
 */
import { isDate, UNITS } from '../job-xml/hostreq-rules.js';

export type Unit = (typeof UNITS)[number];

/**
 * Bytes per unit, as Beaker's `bytes_multiplier`: SI units are powers of 1000 (kB and KB
 * alike), the IEC ones powers of 1024. Typed by UNITS, so a unit added there must be added here.
 */
export const UNIT_BYTES: Readonly<Record<Unit, number>> = {
  bytes: 1,
  B: 1,
  kB: 1e3,
  KB: 1e3,
  KiB: 1024,
  MB: 1e6,
  MiB: 1024 ** 2,
  GB: 1e9,
  GiB: 1024 ** 3,
  TB: 1e12,
  TiB: 1024 ** 4,
};

export const isUnit = (units: string): units is Unit => (UNITS as readonly string[]).includes(units);

const MS_PER_DAY = 86_400_000;

/** Whole days since 1970-01-01 in UTC; dates compare at day granularity. */
export const dayNumber = (date: Date): number => Math.floor(date.getTime() / MS_PER_DAY);

/** `YYYY-MM-DD` → day number, or undefined when it is not a real date. */
export function parseDay(value: string): number | undefined {
  if (!isDate(value)) return undefined;
  return dayNumber(new Date(`${value}T00:00:00Z`));
}

export const formatDay = (day: number): string => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);

/** The schema's boolean values (xsd:boolean plus TRUE/FALSE): true for `true` and `1`. */
export const parseBool = (value: string): boolean => /^\s*(true|1)\s*$/i.test(value);

/** A whole or decimal number as the validation accepts it (surrounding blanks allowed). */
export function parseNumber(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** A byte count in the units the filter was written in, for messages: `465.66 GiB`. */
export function formatBytes(bytes: number, units: Unit | undefined): string {
  if (units === undefined || units === 'bytes') return String(bytes);
  const scaled = bytes / UNIT_BYTES[units];
  return `${Number.isInteger(scaled) ? scaled : scaled.toFixed(2)} ${units}`;
}
