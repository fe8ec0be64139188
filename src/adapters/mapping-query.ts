/**
 * A mapping's `query:` as a derived table. Users paste SQL from a query tool: it often ends in a `;`
 * or a `-- comment`, either of which breaks `(query) AS alias`. The rule, the same on every dialect:
 * the query is one statement; a `;` that ends it is dropped, with the whitespace, comments and `;`
 * after it; a `;` followed by more SQL is refused (two statements); the closing parenthesis goes on a
 * line of its own, so that a line comment at the end cannot swallow it. A `;` inside a string, a
 * quoted name or a comment is text, not an end: finding the end lexes the dialect's strings, quoted
 * names and comments (QuerySyntax), nothing more.
 */
import { MappingError } from '../errors.js';

/** What a dialect's lexer must know to tell a statement's `;` from one inside text or a comment. */
export interface QuerySyntax {
  /** The characters that open a string or quoted name, each with the one that closes it (doubled inside: itself). */
  quotes: Readonly<Record<string, string>>;
  /** The openers inside which a backslash escapes the next character (MySQL's '…' and "…"). */
  backslashIn?: string;
  /** PostgreSQL: a backslash escapes in E'…' strings, and $tag$…$tag$ quotes text. */
  postgres?: boolean;
  /** Block comments nest (PostgreSQL, SQL Server). */
  nestedComments?: boolean;
  /** MySQL: `#` starts a line comment, and `--` does only before whitespace. */
  mysqlComments?: boolean;
}

const IDENTIFIER_CHAR = /[\p{L}\p{N}_$]/u;
const DOLLAR_TAG = /\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/uy;

/** The index just past the comment starting at `i`, or `i` when none starts there. */
function commentEnd(s: string, i: number, syn: QuerySyntax): number {
  const lineComment =
    (s.startsWith('--', i) && (!syn.mysqlComments || !/\S/.test(s[i + 2] ?? ' '))) ||
    (syn.mysqlComments && s[i] === '#');
  if (lineComment) {
    const nl = s.indexOf('\n', i);
    return nl < 0 ? s.length : nl + 1;
  }
  if (!s.startsWith('/*', i)) return i;
  let depth = 0;
  for (let j = i; j < s.length;) {
    if (s.startsWith('/*', j) && (depth === 0 || syn.nestedComments)) {
      depth++;
      j += 2;
    } else if (s.startsWith('*/', j)) {
      j += 2;
      if (--depth === 0) return j;
    } else j++;
  }
  return s.length; // unterminated: the database says so
}

/** The index just past the string, quoted name or dollar-quoted text at `i`, else `i + 1`. */
function tokenEnd(s: string, i: number, syn: QuerySyntax): number {
  const open = s[i]!;
  const before = s[i - 1] ?? ' ';
  if (syn.postgres && open === '$' && !IDENTIFIER_CHAR.test(before)) {
    DOLLAR_TAG.lastIndex = i;
    const tag = DOLLAR_TAG.exec(s)?.[0];
    if (tag) {
      const close = s.indexOf(tag, i + tag.length);
      return close < 0 ? s.length : close + tag.length;
    }
  }
  const close = syn.quotes[open];
  if (!close) return i + 1;
  const backslash =
    syn.backslashIn?.includes(open) ||
    (syn.postgres && open === "'" && /[eE]/.test(before) && !IDENTIFIER_CHAR.test(s[i - 2] ?? ' '));
  for (let j = i + 1; j < s.length; j++) {
    if (backslash && s[j] === '\\') j++;
    else if (s[j] === close) {
      if (s[j + 1] !== close) return j + 1;
      j++; // a doubled closer is the character itself
    }
  }
  return s.length; // unterminated: the database says so
}

/** Line and column (1-based) of index `i`. */
function position(s: string, i: number): string {
  const lines = s.slice(0, i).split('\n');
  return `line ${lines.length}, column ${lines[lines.length - 1]!.length + 1}`;
}

/**
 * The statement of a mapping's query: without trailing whitespace, and without the `;` that ends
 * it and what follows that `;` (whitespace, comments, more `;`). Throws a MappingError when SQL
 * follows it: a second statement would be run, ignored or refused depending on the driver.
 */
export function queryStatement(query: string, syn: QuerySyntax): string {
  let end = -1;
  let code = false;
  for (let i = 0; i < query.length;) {
    const afterComment = commentEnd(query, i, syn);
    if (afterComment > i) {
      i = afterComment;
      continue;
    }
    const c = query[i]!;
    if (c === ';' || /\s/.test(c)) {
      if (c === ';' && end < 0) end = i;
      i++;
      continue;
    }
    if (end >= 0) {
      const next = query.slice(i).replace(/\s+/g, ' ');
      throw new MappingError(
        `The mapping's query holds more than one statement: the ";" at ${position(query, end)} is followed by "${next.length > 40 ? `${next.slice(0, 40)}…` : next}".`,
        'A query: is one SELECT (a ";" at its end is dropped, with any comments after it): remove the other statement, or make the two one query (a join, a UNION ALL or a WITH).',
      );
    }
    code = true;
    i = tokenEnd(query, i, syn);
  }
  if (!code)
    throw new MappingError(
      'The mapping\'s query holds no statement (only whitespace, comments or ";").',
      'Give query: a SELECT, or name a table with table: instead.',
    );
  return (end < 0 ? query : query.slice(0, end)).trimEnd();
}

/** A mapping's query as a derived table `(query\n) AS alias` (alias as the dialect writes it). */
export function derivedQuery(query: string, alias: string, syn: QuerySyntax): string {
  return `(${queryStatement(query, syn)}\n) AS ${alias}`;
}
