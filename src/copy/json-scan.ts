/**
 * A JSON checker for the copy's hot path: one pass over the text, no objects built (JSON.parse builds the whole
 * value only to have it thrown away). It is sound, not complete: what it accepts is JSON (RFC 8259); what it
 * cannot place (nesting deeper than 256) it leaves to JSON.parse.
 */

/** The text is not JSON as far as the scanner goes: JSON.parse decides. */
export const JSON_UNKNOWN = -1;
/** JSON with nothing for COPY to escape: no backslash, and white space only as spaces. */
export const JSON_PLAIN = 0;
/** JSON with escapes, or tabs and line breaks between tokens: valid, but COPY text must escape it. */
export const JSON_ESCAPED = 1;
/** JSON with a `\u0000` escape, which PostgreSQL's jsonb cannot store. */
export const JSON_NUL_ESCAPE = 2;
/** JSON with a `\uD800`-style escape not part of a surrogate pair, which jsonb rejects. */
export const JSON_LONE_SURROGATE = 3;

const MAX_DEPTH = 256;
const stack = new Uint8Array(MAX_DEPTH);
const OBJECT = 1;
const ARRAY = 2;

/** Cursor and findings of the scan in progress (module state: no closure or object per call). */
let text = '';
let at = 0;
let escaped = false;
let nulEscape = false;
let loneSurrogate = false;

function space(): void {
  for (; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === 32) continue;
    if (c === 9 || c === 10 || c === 13) {
      escaped = true;
      continue;
    }
    break;
  }
}

const hex = (c: number) =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;

/** The four hex digits at i as a number, or -1. */
function unicodeEscape(i: number): number {
  if (i + 4 > text.length) return -1;
  const a = hex(text.charCodeAt(i));
  const b = hex(text.charCodeAt(i + 1));
  const c = hex(text.charCodeAt(i + 2));
  const d = hex(text.charCodeAt(i + 3));
  return a < 0 || b < 0 || c < 0 || d < 0 ? -1 : (a << 12) | (b << 8) | (c << 4) | d;
}

/** A string at the cursor; false when there is none. */
function string(): boolean {
  if (text.charCodeAt(at) !== 34) return false;
  for (at++; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === 34) {
      at++;
      return true;
    }
    if (c < 32) return false;
    if (c !== 92) continue;
    escaped = true;
    const e = text.charCodeAt(++at);
    if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116)
      continue;
    if (e !== 117) return false;
    const u = unicodeEscape(at + 1);
    if (u < 0) return false;
    at += 4;
    if (u === 0) nulEscape = true;
    else if (u >= 0xd800 && u <= 0xdbff) {
      // A high surrogate must be followed at once by an escaped low one.
      const low =
        text.charCodeAt(at + 1) === 92 && text.charCodeAt(at + 2) === 117 ? unicodeEscape(at + 3) : -1;
      if (low >= 0xdc00 && low <= 0xdfff) at += 6;
      else loneSurrogate = true;
    } else if (u >= 0xdc00 && u <= 0xdfff) loneSurrogate = true;
  }
  return false;
}

const digit = (c: number) => c >= 48 && c <= 57;

/** A number at the cursor: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?; false when there is none. */
function number(): boolean {
  if (text.charCodeAt(at) === 45) at++;
  const first = text.charCodeAt(at);
  if (first === 48) at++;
  else if (first >= 49 && first <= 57) while (digit(text.charCodeAt(at))) at++;
  else return false;
  if (text.charCodeAt(at) === 46) {
    at++;
    if (!digit(text.charCodeAt(at))) return false;
    while (digit(text.charCodeAt(at))) at++;
  }
  const e = text.charCodeAt(at);
  if (e === 101 || e === 69) {
    at++;
    const sign = text.charCodeAt(at);
    if (sign === 43 || sign === 45) at++;
    if (!digit(text.charCodeAt(at))) return false;
    while (digit(text.charCodeAt(at))) at++;
  }
  return true;
}

/** An object key and its colon at the cursor. */
function key(): boolean {
  space();
  if (!string()) return false;
  space();
  if (text.charCodeAt(at) !== 58) return false;
  at++;
  return true;
}

/** What the text is: one of the JSON_* codes. */
export function scanJson(s: string): number {
  text = s;
  at = 0;
  escaped = false;
  nulEscape = false;
  loneSurrogate = false;
  let depth = 0;
  for (;;) {
    // A value.
    space();
    const c = text.charCodeAt(at);
    if (c === 123 || c === 91) {
      at++;
      space();
      if (text.charCodeAt(at) === (c === 123 ? 125 : 93)) at++;
      else {
        if (depth === MAX_DEPTH) return JSON_UNKNOWN;
        stack[depth++] = c === 123 ? OBJECT : ARRAY;
        if (c === 123 && !key()) return JSON_UNKNOWN;
        continue;
      }
    } else if (c === 34) {
      if (!string()) return JSON_UNKNOWN;
    } else if (c === 116) {
      if (!text.startsWith('true', at)) return JSON_UNKNOWN;
      at += 4;
    } else if (c === 102) {
      if (!text.startsWith('false', at)) return JSON_UNKNOWN;
      at += 5;
    } else if (c === 110) {
      if (!text.startsWith('null', at)) return JSON_UNKNOWN;
      at += 4;
    } else if (!number()) return JSON_UNKNOWN;
    // After a value: the next member or element, or the end of containers.
    for (;;) {
      space();
      if (depth === 0) {
        if (at !== text.length) return JSON_UNKNOWN;
        if (nulEscape) return JSON_NUL_ESCAPE;
        if (loneSurrogate) return JSON_LONE_SURROGATE;
        return escaped ? JSON_ESCAPED : JSON_PLAIN;
      }
      const next = text.charCodeAt(at);
      const top = stack[depth - 1];
      if (next === 44) {
        at++;
        if (top === OBJECT && !key()) return JSON_UNKNOWN;
        break;
      }
      if (next !== (top === OBJECT ? 125 : 93)) return JSON_UNKNOWN;
      at++;
      depth--;
    }
  }
}
