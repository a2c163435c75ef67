/*
 * Cleave's typed row hash inside SQLite: a loadable extension with two functions.
 *
 *   cleave_typed_hash(spec, key, min, width, c1, ..., cn)      scalar: the row's 64-bit hash, or NULL
 *   cleave_typed_sum(spec, key, min, width, c1, ..., cn)       aggregate: per-bucket count and sum, as text
 *
 * They compute, for the SQLite values whose canonical form is simple to write, exactly what
 * src/verify/typed-hash.ts computes for them (its fast paths, and for text, uuids, dates, booleans, bytea and
 * nested JSON its full rules): PostgreSQL's hash_record_extended(ROW(...), 1) over the values the copy writes,
 * hashed once more by hashint8extended(0, h). Any other value (text that is not well-formed UTF-8, a
 * timestamp in another shape, JSON with a fraction, an integer out of range, ...) makes the whole row "not
 * handled": the scalar returns NULL and the aggregate counts the row apart, and the caller hashes those rows
 * in JavaScript, by the full rules. test/unit/native-hash.test.ts holds the two to the same result.
 *
 * spec: one token per column, separated by spaces:
 *   s i b   smallint, integer, bigint (bigint only within +-(2^53 - 1), as the JavaScript fast path)
 *   f r     double precision, real
 *   t       timestamp (with or without time zone)
 *   d       date (YYYY-MM-DD)
 *   o       boolean (the integers 0 and 1)
 *   u       uuid (36 characters, lower-case hex with dashes)
 *   x       text (any valid UTF-8 without NUL: its bytes are what JavaScript hashes)
 *   a aN    character varying, character varying(N) (ASCII only, as the JavaScript fast path)
 *   j       json / jsonb (objects and arrays of plain values)
 *   nS      numeric(p, S), S up to 15
 *   y       bytea (blobs: `\x` and their lower-case hex, as the copy writes them)
 * key: the column (0-based) whose integer value places the row in a range bucket, -1 (one bucket, 0), or -2:
 *   buckets by the hash of the key's record text, the key columns listed in the spec after `|` (integers,
 *   text, varchar or uuid), the bucket the low 32 bits of hashtextextended(text, 0) & min (the mask).
 * min, width: the range buckets, floor((k - min) / width), -1 below min.
 *
 * The aggregate's text: `fallback <n>` then one line per bucket: `<bucket> <count> <sum>` (sum exact, decimal).
 */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

/* ---- lookup3 as PostgreSQL's hash_bytes_extended computes it (little-endian) ---------------------------- */

#define rot(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
#define mix(a, b, c)                                                                                            \
  {                                                                                                             \
    a -= c; a ^= rot(c, 4); c += b;                                                                             \
    b -= a; b ^= rot(a, 6); a += c;                                                                             \
    c -= b; c ^= rot(b, 8); b += a;                                                                             \
    a -= c; a ^= rot(c, 16); c += b;                                                                            \
    b -= a; b ^= rot(a, 19); a += c;                                                                            \
    c -= b; c ^= rot(b, 4); b += a;                                                                             \
  }
#define final(a, b, c)                                                                                          \
  {                                                                                                             \
    c ^= b; c -= rot(b, 14);                                                                                    \
    a ^= c; a -= rot(c, 11);                                                                                    \
    b ^= a; b -= rot(a, 25);                                                                                    \
    c ^= b; c -= rot(b, 16);                                                                                    \
    a ^= c; a -= rot(c, 4);                                                                                     \
    b ^= a; b -= rot(a, 14);                                                                                    \
    c ^= b; c -= rot(b, 24);                                                                                    \
  }

static void start(uint32_t len, uint64_t seed, uint32_t *a, uint32_t *b, uint32_t *c) {
  *a = *b = *c = 0x9e3779b9u + len + 3923095u;
  if (seed != 0) {
    *a += (uint32_t)(seed >> 32);
    *b += (uint32_t)seed;
    mix(*a, *b, *c);
  }
}

static uint64_t hash_bytes(const unsigned char *k, uint32_t len, uint64_t seed) {
  uint32_t a, b, c;
  start(len, seed, &a, &b, &c);
  while (len >= 12) {
    a += k[0] | ((uint32_t)k[1] << 8) | ((uint32_t)k[2] << 16) | ((uint32_t)k[3] << 24);
    b += k[4] | ((uint32_t)k[5] << 8) | ((uint32_t)k[6] << 16) | ((uint32_t)k[7] << 24);
    c += k[8] | ((uint32_t)k[9] << 8) | ((uint32_t)k[10] << 16) | ((uint32_t)k[11] << 24);
    mix(a, b, c);
    k += 12;
    len -= 12;
  }
  switch (len) {
    case 11: c += (uint32_t)k[10] << 24; /* fall through */
    case 10: c += (uint32_t)k[9] << 16; /* fall through */
    case 9: c += (uint32_t)k[8] << 8; /* fall through */
    case 8: b += (uint32_t)k[7] << 24; /* fall through */
    case 7: b += (uint32_t)k[6] << 16; /* fall through */
    case 6: b += (uint32_t)k[5] << 8; /* fall through */
    case 5: b += k[4]; /* fall through */
    case 4: a += (uint32_t)k[3] << 24; /* fall through */
    case 3: a += (uint32_t)k[2] << 16; /* fall through */
    case 2: a += (uint32_t)k[1] << 8; /* fall through */
    case 1: a += k[0];
  }
  final(a, b, c);
  return ((uint64_t)b << 32) | c;
}

static uint64_t hash_uint32(uint32_t k, uint64_t seed) {
  uint32_t a, b, c;
  start(4, seed, &a, &b, &c);
  a += k;
  final(a, b, c);
  return ((uint64_t)b << 32) | c;
}

/* Every field is hashed with seed 1 (typed-hash.ts: a NULL field, hash 0, then differs from a float 0). */
#define SEED 1

static uint64_t int_hash(int64_t v) {
  uint32_t lo = (uint32_t)v;
  uint32_t hi = (uint32_t)((uint64_t)v >> 32);
  lo ^= v >= 0 ? hi : ~hi;
  return hash_uint32(lo, SEED);
}

/* ---- the columns ---------------------------------------------------------------------------------------- */

enum kind { K_INT, K_FLOAT, K_REAL, K_TIMESTAMP, K_DATE, K_BOOL, K_UUID, K_TEXT, K_UTF8, K_JSON, K_NUMERIC, K_BYTEA };

typedef struct {
  enum kind kind;
  int64_t min, max; /* K_INT: range; K_TEXT: max length (-1: none); K_NUMERIC: scale in min, 10^scale in max */
} column;

typedef struct {
  int n;
  column *columns;
  /* The key columns of hash buckets (after `|` in the spec). */
  int nkeys;
  int keys[64];
} spec;

#define SAFE 9007199254740991LL

static spec *parse_spec(const char *s) {
  if (s == NULL) return NULL;
  int n = 0;
  for (const char *p = s; *p && *p != '|'; p++)
    if (*p != ' ' && (p == s || p[-1] == ' ')) n++;
  spec *out = sqlite3_malloc(sizeof(spec));
  if (out == NULL) return NULL;
  out->n = n;
  out->nkeys = 0;
  out->columns = sqlite3_malloc(sizeof(column) * (n > 0 ? n : 1));
  if (out->columns == NULL) {
    sqlite3_free(out);
    return NULL;
  }
  int i = 0;
  const char *p = s;
  while (*p) {
    while (*p == ' ') p++;
    if (!*p) break;
    if (*p == '|') {
      for (p++; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        if (*p < '0' || *p > '9' || out->nkeys == 64) goto bad;
        int k = 0;
        while (*p >= '0' && *p <= '9' && k < 100000) k = k * 10 + (*p++ - '0');
        if (k >= n || (*p && *p != ' ')) goto bad;
        out->keys[out->nkeys++] = k;
      }
      break;
    }
    char t = *p++;
    long long arg = -1;
    if (*p >= '0' && *p <= '9') {
      arg = 0;
      while (*p >= '0' && *p <= '9') arg = arg * 10 + (*p++ - '0');
    }
    column *c = &out->columns[i++];
    c->min = 0;
    c->max = 0;
    switch (t) {
      case 's': c->kind = K_INT; c->min = -32768; c->max = 32767; break;
      case 'i': c->kind = K_INT; c->min = -2147483648LL; c->max = 2147483647LL; break;
      case 'b': c->kind = K_INT; c->min = -SAFE; c->max = SAFE; break;
      case 'f': c->kind = K_FLOAT; break;
      case 'r': c->kind = K_REAL; break;
      case 't': c->kind = K_TIMESTAMP; break;
      case 'd': c->kind = K_DATE; break;
      case 'o': c->kind = K_BOOL; break;
      case 'u': c->kind = K_UUID; break;
      case 'x': c->kind = K_UTF8; if (arg >= 0) goto bad; break;
      case 'a': c->kind = K_TEXT; c->max = arg; break;
      case 'j': c->kind = K_JSON; break;
      case 'y': c->kind = K_BYTEA; break;
      case 'n':
        if (arg < 0 || arg > 15) goto bad;
        c->kind = K_NUMERIC;
        c->min = arg;
        c->max = 1;
        for (int k = 0; k < arg; k++) c->max *= 10;
        break;
      default: goto bad;
    }
    if (*p && *p != ' ') goto bad;
  }
  return out;
bad:
  sqlite3_free(out->columns);
  sqlite3_free(out);
  return NULL;
}

static void free_spec(void *p) {
  spec *s = p;
  if (s) {
    sqlite3_free(s->columns);
    sqlite3_free(s);
  }
}

/* Bytes 1..127 only (no NUL, nothing outside ASCII): then a string's bytes are its JavaScript characters. */
static int ascii(const unsigned char *s, int n) {
  for (int i = 0; i < n; i++)
    if (s[i] == 0 || s[i] > 127) return 0;
  return 1;
}

/*
 * Well-formed UTF-8 without NUL (no overlong forms, no surrogates, nothing past U+10FFFF): exactly the bytes that
 * JavaScript decodes without a U+FFFD of its own and encodes back unchanged. Anything else (which JavaScript
 * reads again as bytes and judges by the copy's rules) is left to it.
 */
static int utf8(const unsigned char *s, int n) {
  int i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c >= 1 && c <= 127) {
      i++;
      continue;
    }
    int more;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
      more = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      more = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      more = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else
      return 0;
    if (i + more >= n) return 0;
    if (s[i + 1] < lo || s[i + 1] > hi) return 0;
    for (int k = 2; k <= more; k++)
      if (s[i + k] < 0x80 || s[i + k] > 0xbf) return 0;
    i += more + 1;
  }
  return 1;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Days from 1970-01-01 (proleptic Gregorian; years here are from 1000). */
static int64_t civil_days(int64_t year, int64_t month, int64_t day) {
  int64_t y = month <= 2 ? year - 1 : year;
  int64_t era = y / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

#define PG_EPOCH_SECONDS 946684800LL
#define PG_EPOCH_DAYS 10957LL

static int two(const unsigned char *s, int i, int *out) {
  if (!is_digit(s[i]) || !is_digit(s[i + 1])) return 0;
  *out = (s[i] - '0') * 10 + (s[i + 1] - '0');
  return 1;
}

/* `YYYY-MM-DD`: year from 1000, day up to 28 (typed-hash.ts's simpleMicros takes the same dates). */
static int simple_date(const unsigned char *s, int64_t *days) {
  int y1, y2, month, day;
  if (!two(s, 0, &y1) || !two(s, 2, &y2) || s[4] != '-' || !two(s, 5, &month) || s[7] != '-' ||
      !two(s, 8, &day))
    return 0;
  int year = y1 * 100 + y2;
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 28) return 0;
  *days = civil_days(year, month, day);
  return 1;
}

static int utc_zone(const unsigned char *s, int i, int n) {
  int rest = n - i;
  if (rest == 1) return s[i] == 'Z';
  if (rest < 3 || s[i] != '+' || s[i + 1] != '0' || s[i + 2] != '0') return 0;
  if (rest == 3) return 1;
  if (rest == 5) return s[i + 3] == '0' && s[i + 4] == '0';
  return rest == 6 && s[i + 3] == ':' && s[i + 4] == '0' && s[i + 5] == '0';
}

/* simpleMicros of typed-hash.ts: `YYYY-MM-DD[T ]HH:MM:SS[.f{1,6}]` with no zone, `Z` or `+00[[:]00]`. */
static int simple_micros(const unsigned char *s, int n, int64_t *out) {
  int64_t days;
  int hour, minute, second;
  if (n < 19 || !simple_date(s, &days) || (s[10] != 'T' && s[10] != ' ') || !two(s, 11, &hour) ||
      s[13] != ':' || !two(s, 14, &minute) || s[16] != ':' || !two(s, 17, &second))
    return 0;
  if (hour > 23 || minute > 59 || second > 59) return 0;
  int i = 19;
  int64_t micros = 0;
  if (i < n && s[i] == '.') {
    int64_t scale = 100000;
    int digits = 0;
    for (i++; i < n && is_digit(s[i]); i++) {
      if (digits == 6) return 0;
      micros += (s[i] - '0') * scale;
      scale /= 10;
      digits++;
    }
    if (digits == 0) return 0;
  }
  if (i < n && !utc_zone(s, i, n)) return 0;
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  *out = (seconds - PG_EPOCH_SECONDS) * 1000000 + micros;
  return 1;
}

static int hex(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* ---- JSON, as canonical.ts's flat-object scan and JSON.parse + jsonOut print it ---------------------------- */

#define MAX_MEMBERS 64

typedef struct {
  unsigned char *out;
  int out_size;
  /* The key's record text, for hash buckets. */
  unsigned char *rec;
  int rec_size;
} json_state;

static int space_end(const unsigned char *t, int n, int i) {
  while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) i++;
  return i;
}

static int plain_string_end(const unsigned char *t, int n, int i) {
  if (i >= n || t[i] != '"') return -1;
  for (i++; i < n; i++) {
    unsigned char c = t[i];
    if (c == '"') return i + 1;
    if (c == '\\' || c < 32 || c > 126) return -1;
  }
  return -1;
}

static int starts(const unsigned char *t, int n, int i, const char *word) {
  int len = (int)strlen(word);
  return i + len <= n && memcmp(t + i, word, len) == 0;
}

/*
 * Nested JSON of the same plain values (objects and arrays of them, up to 32 levels, objects of up to 64
 * members), written as jsonb prints it: members sorted by key length, then bytes, the last of duplicate keys
 * kept; ", " and ": " between tokens, no other white space. JavaScript reads such text with JSON.parse and
 * prints it with jsonOut (canonical.ts), to the same bytes.
 */
#define MAX_DEPTH 32

typedef struct {
  const unsigned char *t;
  int n;
  unsigned char *o;
  int p;
} json_out;

/* The end of the plain scalar at i (a string, an integer of up to 15 digits, true, false, null), or -1. */
static int scalar_end(const unsigned char *t, int n, int i) {
  unsigned char c = t[i];
  if (c == '"') return plain_string_end(t, n, i);
  if (c == '-' || is_digit(c)) {
    if (c == '-') i++;
    int digits = i;
    while (i < n && is_digit(t[i])) i++;
    int d = i - digits;
    if (d == 0 || d > 15 || (d > 1 && t[digits] == '0')) return -1;
    if (i < n && (t[i] == '.' || t[i] == 'e' || t[i] == 'E')) return -1;
    return i;
  }
  if (c == 't' && starts(t, n, i, "true")) return i + 4;
  if (c == 'f' && starts(t, n, i, "false")) return i + 5;
  if (c == 'n' && starts(t, n, i, "null")) return i + 4;
  return -1;
}

/* The end of the value at i (white space before it skipped), checked all through, or -1. */
static int skip_value(const unsigned char *t, int n, int i, int depth) {
  i = space_end(t, n, i);
  if (i >= n) return -1;
  unsigned char c = t[i];
  if (c != '{' && c != '[') return scalar_end(t, n, i);
  if (depth >= MAX_DEPTH) return -1;
  unsigned char close = c == '{' ? '}' : ']';
  i = space_end(t, n, i + 1);
  if (i < n && t[i] == close) return i + 1;
  int members = 0;
  for (;;) {
    if (c == '{') {
      if (++members > MAX_MEMBERS) return -1;
      i = plain_string_end(t, n, space_end(t, n, i));
      if (i < 0) return -1;
      i = space_end(t, n, i);
      if (i >= n || t[i] != ':') return -1;
      i++;
    }
    i = skip_value(t, n, i, depth + 1);
    if (i < 0) return -1;
    i = space_end(t, n, i);
    if (i >= n) return -1;
    unsigned char sep = t[i++];
    if (sep == close) return i;
    if (sep != ',') return -1;
  }
}

static int key_less(const unsigned char *t, const int *ks, const int *ke, int x, int y) {
  int lx = ke[x] - ks[x], ly = ke[y] - ks[y];
  if (lx != ly) return lx < ly;
  int cmp = memcmp(t + ks[x], t + ks[y], lx);
  return cmp != 0 ? cmp < 0 : x < y;
}

/* Writes the canonical form of the (checked) value at i; returns the end of its text. */
static int emit_value(json_out *w, int i) {
  const unsigned char *t = w->t;
  int n = w->n;
  i = space_end(t, n, i);
  unsigned char c = t[i];
  if (c == '[') {
    w->o[w->p++] = '[';
    i = space_end(t, n, i + 1);
    if (t[i] == ']') {
      w->o[w->p++] = ']';
      return i + 1;
    }
    for (int k = 0;; k++) {
      if (k > 0) {
        w->o[w->p++] = ',';
        w->o[w->p++] = ' ';
      }
      i = space_end(t, n, emit_value(w, i));
      if (t[i++] == ']') break;
    }
    w->o[w->p++] = ']';
    return i;
  }
  if (c == '{') {
    int ks[MAX_MEMBERS], ke[MAX_MEMBERS], vs[MAX_MEMBERS], order[MAX_MEMBERS];
    int m = 0;
    i = space_end(t, n, i + 1);
    if (t[i] != '}') {
      for (;;) {
        ks[m] = space_end(t, n, i);
        ke[m] = plain_string_end(t, n, ks[m]);
        vs[m] = space_end(t, n, ke[m]) + 1;
        i = space_end(t, n, skip_value(t, n, vs[m], 0));
        m++;
        if (t[i++] == '}') break;
      }
    } else
      i++;
    for (int x = 0; x < m; x++) {
      int k = x;
      while (k > 0 && key_less(t, ks, ke, x, order[k - 1])) {
        order[k] = order[k - 1];
        k--;
      }
      order[k] = x;
    }
    w->o[w->p++] = '{';
    int written = 0;
    for (int x = 0; x < m; x++) {
      int a = order[x];
      if (x + 1 < m) {
        int b = order[x + 1];
        if (ke[a] - ks[a] == ke[b] - ks[b] && memcmp(t + ks[a], t + ks[b], ke[a] - ks[a]) == 0) continue;
      }
      if (written++ > 0) {
        w->o[w->p++] = ',';
        w->o[w->p++] = ' ';
      }
      memcpy(w->o + w->p, t + ks[a], ke[a] - ks[a]);
      w->p += ke[a] - ks[a];
      w->o[w->p++] = ':';
      w->o[w->p++] = ' ';
      emit_value(w, vs[a]);
    }
    w->o[w->p++] = '}';
    return i;
  }
  int end = scalar_end(t, n, i);
  if (c == '-' && end == i + 2 && t[i + 1] == '0')
    w->o[w->p++] = '0';
  else {
    memcpy(w->o + w->p, t + i, end - i);
    w->p += end - i;
  }
  return end;
}

/* The canonical bytes of an object or array of plain values written into j->out: their length, or -1. */
static int plain_json(json_state *j, const unsigned char *t, int len) {
  int i = space_end(t, len, 0);
  if (i >= len || (t[i] != '{' && t[i] != '[')) return -1;
  int end = skip_value(t, len, i, 0);
  if (end < 0 || space_end(t, len, end) != len) return -1;
  /* The output is never longer than twice the input plus 2 (", " and ": " for ',' and ':'). */
  int need = len * 2 + 2;
  if (j->out_size < need) {
    unsigned char *grown = sqlite3_realloc(j->out, need + 64);
    if (grown == NULL) return -1;
    j->out = grown;
    j->out_size = need + 64;
  }
  json_out w = {t, len, j->out, 0};
  emit_value(&w, i);
  return w.p;
}

/* ---- one row -------------------------------------------------------------------------------------------- */

#define TWO_50 1125899906842624.0

/* m / 10^scale with exactly `scale` fraction digits; |m| < 2^50. Returns the length written into out. */
static int write_scaled(int64_t m, int scale, int64_t pow, unsigned char *out) {
  int p = 0;
  if (m < 0) {
    out[p++] = '-';
    m = -m;
  }
  int64_t whole = m / pow, fraction = m % pow;
  char digits[24];
  int d = 0;
  do {
    digits[d++] = (char)('0' + whole % 10);
    whole /= 10;
  } while (whole > 0);
  while (d > 0) out[p++] = (unsigned char)digits[--d];
  if (scale > 0) {
    out[p++] = '.';
    for (int q = p + scale - 1; q >= p; q--) {
      out[q] = (unsigned char)('0' + fraction % 10);
      fraction /= 10;
    }
    p += scale;
  }
  return p;
}

/* The hash of one value (its field hash), or 0 with *ok = 0 when the value is not on a fast path. */
static uint64_t field_hash(const column *c, sqlite3_value *v, json_state *j, int *ok) {
  int type = sqlite3_value_type(v);
  *ok = 1;
  if (type == SQLITE_NULL) return 0;
  switch (c->kind) {
    case K_INT:
      if (type == SQLITE_INTEGER) {
        int64_t x = sqlite3_value_int64(v);
        if (x >= c->min && x <= c->max) return int_hash(x);
      }
      break;
    case K_FLOAT:
    case K_REAL: {
      double x;
      if (type == SQLITE_FLOAT)
        x = sqlite3_value_double(v);
      else if (type == SQLITE_INTEGER) {
        int64_t i = sqlite3_value_int64(v);
        if (i < -SAFE || i > SAFE) break;
        x = (double)i;
      } else
        break;
      if (c->kind == K_REAL) {
        float f = (float)x;
        /* What the copy refuses (a real that overflows or underflows to 0) is left to the full rules. */
        if ((isfinite(x) && !isfinite(f)) || (f == 0 && x != 0)) break;
        x = f;
      }
      if (x == 0) return SEED;
      unsigned char bytes[8];
      uint64_t bits;
      if (isnan(x))
        bits = 0x7ff8000000000000ULL;
      else
        memcpy(&bits, &x, 8);
      for (int k = 0; k < 8; k++) bytes[k] = (unsigned char)(bits >> (8 * k));
      return hash_bytes(bytes, 8, SEED);
    }
    case K_TIMESTAMP:
      if (type == SQLITE_TEXT) {
        const unsigned char *s = sqlite3_value_text(v);
        int n = sqlite3_value_bytes(v);
        int64_t micros;
        if (s && ascii(s, n) && simple_micros(s, n, &micros)) return int_hash(micros);
      }
      break;
    case K_DATE:
      if (type == SQLITE_TEXT) {
        const unsigned char *s = sqlite3_value_text(v);
        int64_t days;
        if (s && sqlite3_value_bytes(v) == 10 && ascii(s, 10) && simple_date(s, &days))
          return int_hash(days - PG_EPOCH_DAYS);
      }
      break;
    case K_BOOL:
      if (type == SQLITE_INTEGER) {
        int64_t x = sqlite3_value_int64(v);
        if (x == 0 || x == 1) return hash_uint32((uint32_t)x, SEED);
      }
      break;
    case K_UUID:
      if (type == SQLITE_TEXT && sqlite3_value_bytes(v) == 36) {
        const unsigned char *s = sqlite3_value_text(v);
        unsigned char bytes[16];
        int b = 0;
        if (s == NULL) break;
        for (int i = 0; i < 36; i++) {
          if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return *ok = 0, 0;
            continue;
          }
          int hi = hex(s[i]), lo = hex(s[i + 1]);
          if (hi < 0 || lo < 0) return *ok = 0, 0;
          bytes[b++] = (unsigned char)(hi << 4 | lo);
          i++;
        }
        return hash_bytes(bytes, 16, SEED);
      }
      break;
    case K_TEXT:
      if (type == SQLITE_TEXT) {
        const unsigned char *s = sqlite3_value_text(v);
        int n = sqlite3_value_bytes(v);
        if (s && (c->max < 0 || n <= c->max) && ascii(s, n)) return hash_bytes(s, (uint32_t)n, SEED);
      }
      break;
    case K_UTF8:
      if (type == SQLITE_TEXT) {
        const unsigned char *s = sqlite3_value_text(v);
        int n = sqlite3_value_bytes(v);
        if (s && utf8(s, n)) return hash_bytes(s, (uint32_t)n, SEED);
      }
      break;
    case K_BYTEA:
      if (type == SQLITE_BLOB) {
        const unsigned char *b = sqlite3_value_blob(v);
        int n = sqlite3_value_bytes(v);
        if (n > (1 << 28) || (n > 0 && b == NULL)) break;
        int need = 2 * n + 2;
        if (j->out_size < need) {
          unsigned char *grown = sqlite3_realloc(j->out, need + 64);
          if (grown == NULL) break;
          j->out = grown;
          j->out_size = need + 64;
        }
        static const char digits[] = "0123456789abcdef";
        j->out[0] = '\\';
        j->out[1] = 'x';
        for (int i = 0; i < n; i++) {
          j->out[2 + 2 * i] = (unsigned char)digits[b[i] >> 4];
          j->out[3 + 2 * i] = (unsigned char)digits[b[i] & 15];
        }
        return hash_bytes(j->out, (uint32_t)need, SEED);
      }
      break;
    case K_JSON:
      if (type == SQLITE_TEXT) {
        const unsigned char *s = sqlite3_value_text(v);
        int n = sqlite3_value_bytes(v);
        if (s && ascii(s, n)) {
          int len = plain_json(j, s, n);
          if (len >= 0) return hash_bytes(j->out, (uint32_t)len, SEED);
        }
      }
      break;
    case K_NUMERIC: {
      int64_t m;
      int64_t pow = c->max;
      if (type == SQLITE_FLOAT) {
        double x = sqlite3_value_double(v);
        double r = floor(x * (double)pow + 0.5);
        if (!(r < TWO_50 && r > -TWO_50) || r / (double)pow != x || (r == 0 && signbit(x))) break;
        m = (int64_t)r;
      } else if (type == SQLITE_INTEGER) {
        int64_t x = sqlite3_value_int64(v);
        /* |x * 10^scale| < 2^50, as in JavaScript. */
        int64_t limit = ((1LL << 50) - 1) / pow;
        if (x > limit || x < -limit) break;
        m = x * pow;
      } else
        break;
      unsigned char text[48];
      return hash_bytes(text, (uint32_t)write_scaled(m, (int)c->min, pow, text), SEED);
    }
  }
  *ok = 0;
  return 0;
}

/* The row hash of the values (argv from the fifth on), or 0 with *ok = 0 when a value is not handled. */
static uint64_t row_hash(const spec *s, sqlite3_value **values, json_state *j, int *ok) {
  uint64_t h = 0;
  for (int i = 0; i < s->n; i++) {
    uint64_t field = field_hash(&s->columns[i], values[i], j, ok);
    if (!*ok) return 0;
    h = h * 31 + field;
  }
  return hash_uint32(0, h);
}

/*
 * The buckets the aggregate holds: -1 .. MAX_SPAN - 2. Verify makes at most 65,536 buckets, so only a key far
 * outside the bounds it read goes past them (4 MB of sums at most); such a row is left to the caller, by the
 * scalar as by the aggregate.
 */
#define MAX_SPAN (1 << 17)

/* The row's bucket, or 0 with *ok = 0 when the key is not an integer the key column's fast path takes. */
static uint64_t field_hash(const column *c, sqlite3_value *v, json_state *j, int *ok);

/* Room for `need` more bytes of record text at p. */
static int rec_room(json_state *j, int p, int need) {
  if (p + need <= j->rec_size) return 1;
  int size = (p + need) * 2 + 64;
  unsigned char *grown = sqlite3_realloc(j->rec, size);
  if (grown == NULL) return 0;
  j->rec = grown;
  j->rec_size = size;
  return 1;
}

/*
 * The bucket of hash buckets: the key's canonical values (an integer's digits, text as it is, a uuid in its
 * form) as PostgreSQL's record text (rowText in canonical.ts: a field quoted when it is empty or holds a quote,
 * backslash, comma, parenthesis or white space, with quotes and backslashes doubled), hashed as
 * hashtextextended(text, 0); its low 32 bits & mask.
 */
static int64_t hash_bucket(const spec *s, int64_t mask, sqlite3_value **values, json_state *j, int *ok) {
  int p = 0;
  if (!rec_room(j, p, 2)) return *ok = 0, 0;
  j->rec[p++] = '(';
  for (int k = 0; k < s->nkeys; k++) {
    const column *c = &s->columns[s->keys[k]];
    sqlite3_value *v = values[s->keys[k]];
    if (k > 0) {
      if (!rec_room(j, p, 1)) return *ok = 0, 0;
      j->rec[p++] = ',';
    }
    /* The value must be one the row hash takes (the same checks), then its text is known. */
    field_hash(c, v, j, ok);
    if (!*ok) return 0;
    int type = sqlite3_value_type(v);
    if (type == SQLITE_NULL) continue;
    if (c->kind == K_INT) {
      char digits[24];
      int n = snprintf(digits, sizeof digits, "%lld", (long long)sqlite3_value_int64(v));
      if (!rec_room(j, p, n)) return *ok = 0, 0;
      memcpy(j->rec + p, digits, n);
      p += n;
    } else if (c->kind == K_UTF8 || c->kind == K_TEXT || c->kind == K_UUID) {
      const unsigned char *t = sqlite3_value_text(v);
      int n = sqlite3_value_bytes(v);
      int quote = n == 0;
      for (int i = 0; i < n && !quote; i++) {
        unsigned char x = t[i];
        quote = x == '"' || x == '\\' || x == ',' || x == '(' || x == ')' || x == ' ' || (x >= 9 && x <= 13);
      }
      if (!rec_room(j, p, n * 2 + 2)) return *ok = 0, 0;
      if (quote) j->rec[p++] = '"';
      for (int i = 0; i < n; i++) {
        if (t[i] == '"' || t[i] == '\\') j->rec[p++] = t[i];
        j->rec[p++] = t[i];
      }
      if (quote) j->rec[p++] = '"';
    } else
      return *ok = 0, 0;
  }
  if (!rec_room(j, p, 1)) return *ok = 0, 0;
  j->rec[p++] = ')';
  return (int64_t)((uint32_t)hash_bytes(j->rec, (uint32_t)p, 0) & (uint32_t)mask);
}

static int64_t bucket_of(const spec *s, int key, int64_t min, int64_t width, sqlite3_value **values,
                         json_state *j, int *ok) {
  *ok = 1;
  if (key == -2) {
    if (s->nkeys == 0 || min < 0 || min > MAX_SPAN - 2) return *ok = 0, 0;
    return hash_bucket(s, min, values, j, ok);
  }
  if (key < 0) return 0;
  if (key >= s->n || sqlite3_value_type(values[key]) != SQLITE_INTEGER) return *ok = 0, 0;
  int64_t k = sqlite3_value_int64(values[key]);
  const column *c = &s->columns[key];
  if (c->kind != K_INT || k < c->min || k > c->max || width <= 0) return *ok = 0, 0;
  /* Where k - min is exact in a double, as in the JavaScript bucketing. */
  if (k - min >= SAFE || k - min <= -SAFE) return *ok = 0, 0;
  int64_t b = k < min ? -1 : (k - min) / width;
  if (b > MAX_SPAN - 2) return *ok = 0, 0;
  return b;
}

static int check_args(sqlite3_context *ctx, int argc, const spec *s) {
  if (s == NULL) {
    sqlite3_result_error(ctx, "cleave: bad column spec", -1);
    return 0;
  }
  if (argc != 4 + s->n) {
    sqlite3_result_error(ctx, "cleave: the column spec and the values differ in number", -1);
    return 0;
  }
  return 1;
}

static void typed_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  spec *s = sqlite3_get_auxdata(ctx, 0);
  if (s == NULL) {
    s = parse_spec((const char *)sqlite3_value_text(argv[0]));
    if (s == NULL) {
      sqlite3_result_error(ctx, "cleave: bad column spec", -1);
      return;
    }
    sqlite3_set_auxdata(ctx, 0, s, free_spec);
    s = sqlite3_get_auxdata(ctx, 0);
    if (s == NULL) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
  }
  if (!check_args(ctx, argc, s)) return;
  int ok;
  json_state *j = sqlite3_user_data(ctx);
  bucket_of(s, sqlite3_value_int(argv[1]), sqlite3_value_int64(argv[2]), sqlite3_value_int64(argv[3]), argv + 4,
            j, &ok);
  if (!ok) return;
  uint64_t h = row_hash(s, argv + 4, j, &ok);
  if (ok) sqlite3_result_int64(ctx, (int64_t)h);
}

/* ---- the aggregate -------------------------------------------------------------------------------------- */

/*
 * A bucket's count and exact sum, the sum as two 64-bit halves (SQLite's allocator aligns to 8 bytes, less than
 * a 128-bit integer needs).
 */
typedef struct {
  int64_t count;
  uint64_t lo;
  int64_t hi;
} bucket_sum;

static void add_hash(bucket_sum *b, int64_t h) {
  uint64_t before = b->lo;
  b->lo += (uint64_t)h;
  b->hi += (b->lo < before ? 1 : 0) + (h < 0 ? -1 : 0);
  b->count++;
}

typedef struct {
  spec *spec;
  json_state json;
  int64_t fallback;
  /* The sums of buckets -1 .. size - 2, at index bucket + 1. */
  int64_t size;
  bucket_sum *buckets;
  int failed;
} sum_state;

static bucket_sum *slot(sum_state *st, int64_t b) {
  int64_t i = b + 1;
  if (i >= st->size) {
    int64_t size = st->size > 0 ? st->size : 16;
    while (size <= i) size *= 2;
    if (size > MAX_SPAN) size = MAX_SPAN;
    bucket_sum *grown = sqlite3_realloc64(st->buckets, sizeof(bucket_sum) * size);
    if (grown == NULL) return NULL;
    memset(grown + st->size, 0, sizeof(bucket_sum) * (size - st->size));
    st->buckets = grown;
    st->size = size;
  }
  return &st->buckets[i];
}

static void sum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sum_state *st = sqlite3_aggregate_context(ctx, sizeof(sum_state));
  if (st == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (st->failed) return;
  if (st->spec == NULL) {
    st->spec = parse_spec((const char *)sqlite3_value_text(argv[0]));
    if (!check_args(ctx, argc, st->spec)) {
      st->failed = 1;
      return;
    }
  }
  int ok;
  int64_t b = bucket_of(st->spec, sqlite3_value_int(argv[1]), sqlite3_value_int64(argv[2]),
                        sqlite3_value_int64(argv[3]), argv + 4, &st->json, &ok);
  uint64_t h = ok ? row_hash(st->spec, argv + 4, &st->json, &ok) : 0;
  if (!ok) {
    st->fallback++;
    return;
  }
  bucket_sum *bs = slot(st, b);
  if (bs == NULL) {
    st->failed = 1;
    sqlite3_result_error_nomem(ctx);
    return;
  }
  add_hash(bs, (int64_t)h);
}

static int write_int128(char *out, __int128 v) {
  char digits[48];
  int d = 0, p = 0;
  unsigned __int128 u = v < 0 ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
  if (v < 0) out[p++] = '-';
  do {
    digits[d++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u > 0);
  while (d > 0) out[p++] = digits[--d];
  return p;
}

static void sum_final(sqlite3_context *ctx) {
  sum_state *st = sqlite3_aggregate_context(ctx, 0);
  if (st == NULL) {
    sqlite3_result_text(ctx, "fallback 0", -1, SQLITE_STATIC);
    return;
  }
  if (st->failed) {
    sqlite3_free(st->buckets);
    sqlite3_free(st->json.out);
    sqlite3_free(st->json.rec);
    free_spec(st->spec);
    return;
  }
  int64_t used = 0;
  for (int64_t i = 0; i < st->size; i++)
    if (st->buckets[i].count > 0) used++;
  char *out = sqlite3_malloc64(32 + used * 96);
  if (out == NULL) {
    sqlite3_result_error_nomem(ctx);
  } else {
    char *p = out;
    memcpy(p, "fallback ", 9);
    p += 9;
    p += write_int128(p, st->fallback);
    for (int64_t i = 0; i < st->size; i++) {
      bucket_sum *b = &st->buckets[i];
      if (b->count == 0) continue;
      *p++ = '\n';
      p += write_int128(p, i - 1);
      *p++ = ' ';
      p += write_int128(p, b->count);
      *p++ = ' ';
      p += write_int128(p, (__int128)(((unsigned __int128)(uint64_t)b->hi << 64) | b->lo));
    }
    sqlite3_result_text(ctx, out, (int)(p - out), sqlite3_free);
  }
  sqlite3_free(st->buckets);
  sqlite3_free(st->json.out);
  sqlite3_free(st->json.rec);
  free_spec(st->spec);
}

static void free_json(void *p) {
  json_state *j = p;
  sqlite3_free(j->out);
  sqlite3_free(j->rec);
  sqlite3_free(j);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_cleavehash_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  (void)error;
  json_state *j = sqlite3_malloc(sizeof(json_state));
  if (j == NULL) return SQLITE_NOMEM;
  memset(j, 0, sizeof(json_state));
  int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc = sqlite3_create_function_v2(db, "cleave_typed_hash", -1, flags, j, typed_hash, NULL, NULL, free_json);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "cleave_typed_sum", -1, flags, NULL, NULL, sum_step, sum_final, NULL);
  return rc;
}
