/**
 * A lexer just good enough to find statement boundaries in PostgreSQL migration files: it knows quoted strings
 * ('..', E'..'), quoted identifiers, -- and nested /* *\/ comments, and dollar quotes ($$..$$, $fn$..$fn$), so a
 * `;` inside a function body does not end a statement. It never changes the text: joining every piece of every
 * statement gives the input back.
 */
export type PieceKind = 'code' | 'string' | 'identifier' | 'comment' | 'dollar';

export interface Piece {
  kind: PieceKind;
  text: string;
}

export interface Statement {
  pieces: Piece[];
  /** Comments and white space before the statement, then the statement with its `;`, as in the file. */
  text: string;
  /** The statement without the comments and white space before it. */
  body: string;
}

const DOLLAR_TAG = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/;

export function lex(sql: string): Piece[] {
  const pieces: Piece[] = [];
  let code = '';
  const flush = (): void => {
    if (code !== '') pieces.push({ kind: 'code', text: code });
    code = '';
  };
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    let end = -1;
    let kind: PieceKind = 'code';
    if (ch === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      end = nl === -1 ? sql.length : nl;
      kind = 'comment';
    } else if (ch === '/' && next === '*') {
      end = blockCommentEnd(sql, i);
      kind = 'comment';
    } else if (ch === "'") {
      const escapes = /[eE]/.test(sql[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? '');
      end = stringEnd(sql, i, "'", escapes);
      kind = 'string';
    } else if (ch === '"') {
      end = stringEnd(sql, i, '"', false);
      kind = 'identifier';
    } else if (ch === '$' && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64))?.[0];
      if (tag) {
        const close = sql.indexOf(tag, i + tag.length);
        end = close === -1 ? sql.length : close + tag.length;
        kind = 'dollar';
      }
    }
    if (end === -1) {
      code += ch;
      i++;
      continue;
    }
    flush();
    pieces.push({ kind, text: sql.slice(i, end) });
    i = end;
  }
  flush();
  return pieces;
}

function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** End (exclusive) of a quoted string or identifier; a doubled quote is an escaped quote. */
function stringEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (backslashEscapes && ch === '\\') i += 2;
    else if (ch === quote && sql[i + 1] === quote) i += 2;
    else if (ch === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

/** Splits at each `;` outside quotes and comments. Trailing text without a `;` is a last statement. */
export function splitStatements(sql: string): Statement[] {
  const statements: Statement[] = [];
  let current: Piece[] = [];
  const finish = (): void => {
    if (current.length > 0) statements.push(toStatement(current));
    current = [];
  };
  for (const piece of lex(sql)) {
    if (piece.kind !== 'code' || !piece.text.includes(';')) {
      current.push(piece);
      continue;
    }
    const parts = piece.text.split(';');
    parts.forEach((part, index) => {
      const last = index === parts.length - 1;
      const text = last ? part : `${part};`;
      if (text !== '') current.push({ kind: 'code', text });
      if (!last) finish();
    });
  }
  finish();
  return statements;
}

function toStatement(pieces: Piece[]): Statement {
  const text = pieces.map((p) => p.text).join('');
  let lead = 0;
  for (const piece of pieces) {
    if (piece.kind === 'comment') lead += piece.text.length;
    else if (piece.kind === 'code' && piece.text.trim() === '') lead += piece.text.length;
    else if (piece.kind === 'code') {
      lead += piece.text.length - piece.text.trimStart().length;
      break;
    } else break;
  }
  return { pieces, text, body: text.slice(lead) };
}
