/**
 * ISO-8601 date/times as SQLite apps keep them, read exactly as PostgreSQL reads them: which texts it accepts
 * (a day that exists, 24:00:00, a leap second :60, zone offsets up to 15:59) and what value it gives them
 * (fractions beyond microseconds rounded half to even, as rint() does). The copy checks values with it before
 * COPY, writes binary timestamps from it, and verify computes what the target must hold from it.
 */

/** `YYYY-MM-DD`, optionally `[T ]HH:MM[:SS[.f+]]`, optionally `Z` or `±HH[[:]MM]`. */
export const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

export interface DateTime {
  /** Days since 2000-01-01 (PostgreSQL's epoch) of the date as written. */
  days: number;
  /** Microseconds since midnight of the time as written, 0 to 86,400,000,000 (24:00:00). */
  micros: number;
  /** The zone offset east of UTC in seconds, or null when none is written. */
  offset: number | null;
}

const DAYS_BEFORE_2000 = daysFromCivil(2000, 1, 1);

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** rint(): the nearest integer, halves to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The date/time a trimmed ISO-8601 text (of ISO_DATE_TIME's shape) stands for, or null when PostgreSQL would
 * refuse it (no such day, hour 25, minute 60, an offset past 15:59, year 0) or it is not of that shape. Read
 * character by character: it runs once per value of every date/time column copied.
 */
export function parseDateTime(text: string): DateTime | null {
  const n = text.length;
  if (n < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  let micros = 0;
  let i = 10;
  if (i < n) {
    const t = text.charCodeAt(i);
    if ((t !== 84 && t !== 32) || n < 16 || text.charCodeAt(13) !== 58) return null;
    const hour = digits(text, 11, 2);
    const minute = digits(text, 14, 2);
    let second = 0;
    let fraction = 0;
    i = 16;
    if (i < n && text.charCodeAt(i) === 58) {
      second = digits(text, 17, 2);
      i = 19;
      if (i < n && text.charCodeAt(i) === 46) {
        const start = ++i;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
        const count = i - start;
        if (count === 0) return null;
        // Up to microseconds the digits are the value; past them, as PostgreSQL rounds: rint(frac * 1e6).
        if (count <= 6) fraction = digits(text, start, count) * SCALE[count]!;
        else fraction = roundHalfEven(Number(`0.${text.slice(start, i)}`) * 1_000_000);
      }
    }
    if (hour < 0 || minute < 0 || second < 0 || minute > 59 || second > 60 || hour > 24) return null;
    // A leap second only as a whole second; 24:00:00 only exactly.
    if (second === 60 && fraction !== 0) return null;
    if (hour === 24 && (minute !== 0 || second !== 0 || fraction !== 0)) return null;
    micros = ((hour * 60 + minute) * 60 + second) * 1_000_000 + fraction;
  }
  let offset: number | null = null;
  if (i < n) {
    const z = text.charCodeAt(i);
    if (z === 90 && i + 1 === n) offset = 0;
    else if (z === 43 || z === 45) {
      const hours = digits(text, i + 1, 2);
      let minutes = 0;
      const rest = n - (i + 3);
      if (rest === 3 && text.charCodeAt(i + 3) === 58) minutes = digits(text, i + 4, 2);
      else if (rest === 2) minutes = digits(text, i + 3, 2);
      else if (rest !== 0) return null;
      if (hours < 0 || minutes < 0 || hours > 15 || minutes > 59) return null;
      offset = (z === 45 ? -1 : 1) * (hours * 3600 + minutes * 60);
    } else return null;
  }
  return { days: daysFromCivil(year, month, day) - DAYS_BEFORE_2000, micros, offset };
}

const isDigit = (c: number) => c >= 48 && c <= 57;
/** Microseconds per unit of the last of n fraction digits. */
const SCALE = [0, 100_000, 10_000, 1_000, 100, 10, 1];

/** The number `count` decimal digits at `at` spell, or -1 when one is not a digit (or is missing). */
function digits(text: string, at: number, count: number): number {
  if (at + count > text.length) return -1;
  let v = 0;
  for (let k = 0; k < count; k++) {
    const c = text.charCodeAt(at + k);
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/**
 * Microseconds since 2000-01-01 00:00: of the instant (`zone`: a timestamptz, the offset applied, UTC when none
 * is written, as the copy's sessions are set) or of the wall time as written (a timestamp, the offset ignored).
 * A number when it is exact in a double (years 1715 to 2284), else a BigInt.
 */
export function timestampMicros(t: DateTime, zone: boolean): number | bigint {
  const seconds = t.days * 86_400 - (zone ? (t.offset ?? 0) : 0);
  const micros = seconds * 1_000_000 + t.micros;
  return Number.isSafeInteger(micros) ? micros : BigInt(seconds) * 1_000_000n + BigInt(t.micros);
}
