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
 * The date/time a trimmed ISO-8601 text stands for, or null when PostgreSQL would refuse it (no such day, hour
 * 25, minute 60, an offset past 15:59, year 0) or it is not of that shape.
 */
export function parseDateTime(text: string): DateTime | null {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  let micros = 0;
  if (m[4] !== undefined) {
    const hour = Number(m[4]);
    const minute = Number(m[5]);
    const second = m[6] === undefined ? 0 : Number(m[6]);
    const fraction = m[7] === undefined ? 0 : roundHalfEven(Number(`0.${m[7]}`) * 1_000_000);
    if (minute > 59 || second > 60 || hour > 24) return null;
    // A leap second only as a whole second; 24:00:00 only exactly.
    if (second === 60 && fraction !== 0) return null;
    if (hour === 24 && (minute !== 0 || second !== 0 || fraction !== 0)) return null;
    micros = ((hour * 60 + minute) * 60 + second) * 1_000_000 + fraction;
  }
  let offset: number | null = null;
  if (m[8] !== undefined) {
    if (m[8] === 'Z') offset = 0;
    else {
      const hours = Number(m[10]);
      const minutes = m[11] === undefined ? 0 : Number(m[11]);
      if (hours > 15 || minutes > 59) return null;
      offset = (m[9] === '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
    }
  }
  return { days: daysFromCivil(year, month, day) - DAYS_BEFORE_2000, micros, offset };
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
