/**
 * CIF 1.1 tokenizer and block structure (tags, loops) for {@link ./cif.ts}.
 *
 * Grammar followed (written from the IUCr CIF 1.1 syntax specification,
 * https://www.iucr.org/resources/cif/spec/version1.1/cifsyntax): whitespace-separated tokens;
 * `#` starts a comment outside quotes; `'...'` / `"..."` strings end at a matching quote that is
 * followed by whitespace or end of line; a line starting with `;` opens a text field that runs to
 * the next line starting with `;`; `data_`, `loop_`, `_tag` are reserved words. Values of a loop
 * may wrap across lines (pymatgen does this for long occupancies).
 */

import { InputError } from '@dendra/core/errors.ts';

/** One token with the 1-based line it starts on. */
export interface Token {
  /** Token text without quotes / text-field delimiters. */
  readonly text: string;
  /** 1-based source line. */
  readonly line: number;
  /** True for quoted strings and text fields (never a reserved word). */
  readonly quoted: boolean;
}

/** A single `_tag value` item. */
export interface CifItem {
  readonly tag: string;
  readonly value: Token;
  readonly line: number;
}

/** A `loop_` with its column tags and its values split into rows. */
export interface CifLoop {
  /** Lower-cased column tags in file order. */
  readonly tags: readonly string[];
  /** Rows, each with `tags.length` tokens. */
  readonly rows: readonly (readonly Token[])[];
  /** Line of the `loop_` keyword. */
  readonly line: number;
}

/** The first data block of a CIF. */
export interface CifBlock {
  /** Block name after `data_`. */
  readonly name: string;
  /** Single items keyed by lower-cased tag. */
  readonly items: ReadonlyMap<string, CifItem>;
  readonly loops: readonly CifLoop[];
}

/** Hard limits: the reader is fed untrusted files. */
export const CIF_LIMITS = {
  /** Maximum accepted text length in characters. */
  maxChars: 20_000_000,
  /** Maximum number of tokens. */
  maxTokens: 2_000_000,
} as const;

/** Build an `E_CIF` error naming the file and line. */
export function cifError(path: string, line: number, what: string): InputError {
  return new InputError('E_CIF', `${path} line ${line}: ${what}`, path);
}

function isSpace(ch: string | undefined): boolean {
  return ch === undefined || ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** Read a quoted string starting at `line[i]`; returns the token and the index after it. */
function readQuoted(src: string, i: number, lineNo: number, path: string): [Token, number] {
  const q = src[i];
  let j = i + 1;
  for (; j < src.length; j++) {
    if (src[j] === q && isSpace(src[j + 1])) {
      return [{ text: src.slice(i + 1, j), line: lineNo, quoted: true }, j + 1];
    }
  }
  throw cifError(path, lineNo, `unterminated ${q === "'" ? 'single' : 'double'}-quoted string`);
}

/** Tokenize one physical line (no text fields) and push tokens. */
function lexLine(src: string, lineNo: number, path: string, out: Token[]): void {
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (isSpace(ch)) {
      i++;
    } else if (ch === '#') {
      return;
    } else if ((ch === "'" || ch === '"') && (i === 0 || isSpace(src[i - 1]))) {
      const [tok, next] = readQuoted(src, i, lineNo, path);
      out.push(tok);
      i = next;
    } else {
      let j = i;
      while (j < src.length && !isSpace(src[j])) j++;
      out.push({ text: src.slice(i, j), line: lineNo, quoted: false });
      i = j;
    }
  }
}

/**
 * Split CIF text into tokens.
 * @throws InputError `E_CIF` for an over-long file, an unterminated string or text field, or too
 *   many tokens; the message names the line.
 */
export function tokenize(text: string, path: string): Token[] {
  if (text.length > CIF_LIMITS.maxChars) {
    throw cifError(path, 1, `file too large (${text.length} chars > ${CIF_LIMITS.maxChars})`);
  }
  const lines = text.split('\n');
  const out: Token[] = [];
  for (let n = 0; n < lines.length; n++) {
    const src = lines[n].replace(/\r$/, '');
    if (src.startsWith(';')) {
      const start = n;
      const parts = [src.slice(1)];
      n++;
      while (n < lines.length && !lines[n].startsWith(';')) parts.push(lines[n++].replace(/\r$/, ''));
      if (n >= lines.length) throw cifError(path, start + 1, 'unterminated ;-text field');
      out.push({ text: parts.join('\n'), line: start + 1, quoted: true });
      lexLine(lines[n].replace(/\r$/, '').slice(1), n + 1, path, out);
    } else {
      lexLine(src, n + 1, path, out);
    }
    if (out.length > CIF_LIMITS.maxTokens) throw cifError(path, n + 1, 'too many tokens');
  }
  return out;
}

function isTag(t: Token | undefined): boolean {
  return t !== undefined && !t.quoted && t.text.startsWith('_');
}

function isKeyword(t: Token | undefined, kw: string): boolean {
  return t !== undefined && !t.quoted && t.text.toLowerCase().startsWith(kw);
}

function isReserved(t: Token): boolean {
  if (t.quoted) return false;
  const s = t.text.toLowerCase();
  return s.startsWith('_') || s === 'loop_' || s.startsWith('data_') || s.startsWith('save_') ||
    s === 'global_' || s === 'stop_';
}

/** Parse a `loop_` starting at token index `i` (the keyword); returns the loop and next index. */
function parseLoop(toks: Token[], i: number, path: string): [CifLoop, number] {
  const line = toks[i].line;
  let j = i + 1;
  const tags: string[] = [];
  while (isTag(toks[j])) tags.push(toks[j++].text.toLowerCase());
  if (tags.length === 0) throw cifError(path, line, 'loop_ without column tags');
  const values: Token[] = [];
  while (j < toks.length && !isReserved(toks[j])) values.push(toks[j++]);
  if (values.length % tags.length !== 0) {
    const last = values.length > 0 ? values[values.length - 1].line : line;
    throw cifError(path, last, `loop_ (opened on line ${line}) has ${values.length} values, ` +
      `not a multiple of its ${tags.length} columns`);
  }
  const rows: Token[][] = [];
  for (let k = 0; k < values.length; k += tags.length) rows.push(values.slice(k, k + tags.length));
  return [{ tags, rows, line }, j];
}

/**
 * Parse the first data block of a CIF into items and loops.
 * @throws InputError `E_CIF` when there is no `data_` block, a tag has no value, a tag repeats,
 *   a value stands outside any tag, or a loop is ragged; the message names the line.
 */
export function parseBlock(text: string, path: string): CifBlock {
  const toks = tokenize(text, path);
  let i = 0;
  if (i < toks.length && !isKeyword(toks[i], 'data_')) {
    throw cifError(path, toks[i].line, `expected data_ block header, found '${toks[i].text.slice(0, 40)}'`);
  }
  if (i >= toks.length) throw cifError(path, 1, 'no data_ block');
  const name = toks[i].text.slice(5);
  i++;
  const items = new Map<string, CifItem>();
  const loops: CifLoop[] = [];
  while (i < toks.length && !isKeyword(toks[i], 'data_')) {
    const t = toks[i];
    if (isKeyword(t, 'loop_')) {
      const [loop, next] = parseLoop(toks, i, path);
      loops.push(loop);
      i = next;
    } else if (isTag(t)) {
      const v = toks[i + 1];
      if (v === undefined || isReserved(v)) throw cifError(path, t.line, `tag ${t.text} has no value`);
      const tag = t.text.toLowerCase();
      if (items.has(tag)) throw cifError(path, t.line, `tag ${t.text} appears twice`);
      items.set(tag, { tag, value: v, line: t.line });
      i += 2;
    } else {
      throw cifError(path, t.line, `value '${t.text.slice(0, 40)}' outside any tag or loop`);
    }
  }
  return { name, items, loops };
}
