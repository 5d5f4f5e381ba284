'use strict';
// GoogleSQL (the subset pgs uses) -> DuckDB SQL.
//
// tokenize() turns the text into tokens; parseScript() groups them into
// script statements (DECLARE, SET, IF, BEGIN/COMMIT/ROLLBACK, RAISE, ASSERT,
// blocks, and plain SQL statements); translateStatement() rewrites one plain
// statement token by token: backtick paths to DuckDB schema-qualified names,
// types, @parameters and script variables to bound $placeholders, functions
// to their DuckDB spelling.  Nothing matches whole statements: an
// unsupported construct fails with invalidQuery naming it.

const { invalidQuery } = require('./errors');
const T = require('./types');

// ---------------------------------------------------------------- tokens

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/y;
const SYSVAR = /@@[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const OPS2 = new Set(['<=', '>=', '<>', '!=', '||', '=>']);
const OPS1 = new Set(['(', ')', '[', ']', ',', ';', '.', '+', '-', '*', '/', '%', '=', '<', '>',
  '~', '&', '|', '^', ':', '?', '{', '}', '!']);

function tokenize(src) {
  const toks = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = src.length;
  const newlines = (a, b) => {
    for (let k = a; k < b; k++) {
      if (src[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
    }
  };
  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      line++;
      lineStart = ++i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#' || (c === '-' && src[i + 1] === '-')) {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const e = src.indexOf('*/', i + 2);
      if (e < 0) throw invalidQuery(`Syntax error: Unclosed comment at [${line}:${i - lineStart + 1}]`);
      newlines(i, e);
      i = e + 2;
      continue;
    }
    const start = i;
    const tl = line;
    const tc = i - lineStart + 1;
    const push = (t, v) => {
      const tok = { t, v, raw: src.slice(start, i), pos: start, end: i, line: tl, col: tc };
      if (t === 'id') tok.u = v.toUpperCase();
      toks.push(tok);
    };
    // String and bytes literals, with r/b prefixes.
    let pre = '';
    const m = /^([rRbB]{1,2})?(['"])/.exec(src.slice(i, i + 3));
    if (m && (!m[1] || /^(r|b|rb|br)$/i.test(m[1]))) {
      pre = (m[1] || '').toLowerCase();
      i += pre.length;
      const r = readString(src, i, pre.includes('r'), tl, tc);
      newlines(i, r.end);
      i = r.end;
      push(pre.includes('b') ? 'bytes' : 'str', r.value);
      continue;
    }
    if (c === '`') {
      let v = '';
      i++;
      while (i < n && src[i] !== '`') {
        if (src[i] === '\\' && i + 1 < n) {
          v += src[i + 1];
          i += 2;
        } else {
          v += src[i++];
        }
      }
      if (i >= n) throw invalidQuery(`Syntax error: Unclosed identifier literal at [${tl}:${tc}]`);
      i++;
      if (v === '') throw invalidQuery(`Syntax error: Invalid empty identifier at [${tl}:${tc}]`);
      push('qid', v);
      continue;
    }
    if (c === '@') {
      SYSVAR.lastIndex = i;
      let mm = SYSVAR.exec(src);
      if (mm) {
        i += mm[0].length;
        push('sys', mm[0].slice(2).toLowerCase());
        continue;
      }
      IDENT.lastIndex = i + 1;
      mm = IDENT.exec(src);
      if (mm) {
        i += 1 + mm[0].length;
        push('param', mm[0]);
        continue;
      }
      if (src[i + 1] === '`') {
        const e = src.indexOf('`', i + 2);
        if (e < 0) throw invalidQuery(`Syntax error: Unclosed identifier literal at [${tl}:${tc}]`);
        const v = src.slice(i + 2, e);
        i = e + 1;
        push('param', v);
        continue;
      }
      throw invalidQuery(`Syntax error: Illegal input character "@" at [${tl}:${tc}]`);
    }
    IDENT.lastIndex = i;
    let mm = IDENT.exec(src);
    if (mm) {
      i += mm[0].length;
      push('id', mm[0]);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] || '') && !prevIsName(toks, start))) {
      NUMBER.lastIndex = i;
      mm = NUMBER.exec(src);
      i += mm[0].length;
      push('num', mm[0]);
      continue;
    }
    const two = src.slice(i, i + 2);
    if (OPS2.has(two)) {
      i += 2;
      push('op', two);
      continue;
    }
    if (OPS1.has(c)) {
      i++;
      push('op', c);
      continue;
    }
    throw invalidQuery(`Syntax error: Illegal input character "${c}" at [${tl}:${tc}]`);
  }
  toks.push({ t: 'eof', v: '', raw: '', pos: n, end: n, line, col: n - lineStart + 1 });
  return toks;
}

function prevIsName(toks, start) {
  const p = toks[toks.length - 1];
  return p && p.end === start && (p.t === 'id' || p.t === 'qid' || (p.t === 'op' && (p.v === ')' || p.v === ']')));
}

const ESC = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '?': '?',
  '"': '"', "'": "'", '`': '`' };

function readString(src, i, raw, line, col) {
  const q = src[i];
  const triple = src.slice(i, i + 3) === q.repeat(3);
  const close = triple ? q.repeat(3) : q;
  i += close.length;
  let v = '';
  for (;;) {
    if (i >= src.length) throw invalidQuery(`Syntax error: Unclosed string literal at [${line}:${col}]`);
    if (src.startsWith(close, i)) return { value: v, end: i + close.length };
    const c = src[i];
    if (!triple && c === '\n') throw invalidQuery(`Syntax error: Unclosed string literal at [${line}:${col}]`);
    if (c !== '\\') {
      v += c;
      i++;
      continue;
    }
    const d = src[i + 1];
    if (raw) {
      v += c + (d === undefined ? '' : d);
      i += 2;
      continue;
    }
    if (d in ESC) {
      v += ESC[d];
      i += 2;
    } else if (/[0-7]/.test(d)) {
      v += String.fromCharCode(parseInt(src.slice(i + 1, i + 4), 8));
      i += 4;
    } else if (d === 'x' || d === 'X') {
      v += String.fromCharCode(parseInt(src.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (d === 'u') {
      v += String.fromCodePoint(parseInt(src.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (d === 'U') {
      v += String.fromCodePoint(parseInt(src.slice(i + 2, i + 10), 16));
      i += 10;
    } else {
      throw invalidQuery(`Syntax error: Illegal escape sequence: \\${d} at [${line}:${col}]`);
    }
  }
}

// ---------------------------------------------------------------- helpers

const at = T.at;

function isKw(tok, ...words) {
  return tok && tok.t === 'id' && words.includes(tok.u);
}

function isOp(tok, op) {
  return tok && tok.t === 'op' && tok.v === op;
}

function unexpected(tok, what) {
  const got = !tok || tok.t === 'eof' ? 'end of script' : tok.t === 'id' ? `keyword ${tok.u}` : `"${tok.raw}"`;
  return invalidQuery(`Syntax error: ${what ? 'Expected ' + what + ' but got' : 'Unexpected'} ${got}${at(tok)}`);
}

function unsupported(what, tok) {
  return invalidQuery(`Unsupported by the BigQuery emulator: ${what}${at(tok)}`);
}

// Index of the token closing the bracket opened at i.
function matching(toks, i) {
  const open = toks[i].v;
  const close = open === '(' ? ')' : open === '[' ? ']' : '}';
  let depth = 0;
  for (let k = i; k < toks.length; k++) {
    const t = toks[k];
    if (t.t === 'op' && (t.v === '(' || t.v === '[' || t.v === '{')) depth++;
    else if (t.t === 'op' && (t.v === ')' || t.v === ']' || t.v === '}')) {
      depth--;
      if (depth === 0) {
        if (t.v !== close) throw unexpected(t, `"${close}"`);
        return k;
      }
    } else if (t.t === 'eof') break;
  }
  throw unexpected(toks[toks.length - 1], `"${close}"`);
}

// First index in [i, j) at bracket depth 0 and CASE depth 0 where pred holds.
function findTop(toks, i, j, pred) {
  let depth = 0;
  let cases = 0;
  for (let k = i; k < j; k++) {
    const t = toks[k];
    if (depth === 0 && cases === 0 && pred(t, k)) return k;
    if (t.t === 'op' && (t.v === '(' || t.v === '[')) depth++;
    else if (t.t === 'op' && (t.v === ')' || t.v === ']')) depth--;
    else if (depth === 0 && isKw(t, 'CASE')) cases++;
    else if (depth === 0 && cases > 0 && isKw(t, 'END')) cases--;
  }
  return -1;
}

function splitTop(toks, i, j, op) {
  const parts = [];
  let s = i;
  for (;;) {
    const k = findTop(toks, s, j, (t) => isOp(t, op));
    if (k < 0) {
      parts.push([s, j]);
      return parts;
    }
    parts.push([s, k]);
    s = k + 1;
  }
}

function sqlString(v) {
  return "'" + String(v).replace(/'/g, "''") + "'";
}

// A table path at i: `p.d.t`, `p`.`d`.`t`, d.t, pgs-test.d.t.
function parsePath(toks, i) {
  const first = toks[i];
  if (!first || (first.t !== 'id' && first.t !== 'qid')) return null;
  const parts = [];
  for (;;) {
    const tok = toks[i];
    if (tok.t === 'qid') {
      parts.push(...tok.v.split('.'));
      i++;
    } else if (tok.t === 'id' || (parts.length > 0 && tok.t === 'num' && /^\d+$/.test(tok.v))) {
      let s = tok.v;
      let end = tok.end;
      i++;
      while (isOp(toks[i], '-') && toks[i].pos === end && toks[i + 1] &&
        (toks[i + 1].t === 'id' || toks[i + 1].t === 'num') && toks[i + 1].pos === toks[i].end) {
        s += '-' + toks[i + 1].v;
        end = toks[i + 1].end;
        i += 2;
      }
      parts.push(s);
    } else {
      throw unexpected(tok, 'identifier');
    }
    if (isOp(toks[i], '.') && toks[i + 1] && (toks[i + 1].t === 'id' || toks[i + 1].t === 'qid')) {
      i++;
      continue;
    }
    break;
  }
  if (parts.some((p) => p === '')) throw invalidQuery(`Syntax error: Invalid table name${at(first)}`);
  return { parts, next: i, tok: first };
}

// ---------------------------------------------------------------- script

// Statements: {type:'sql', toks} | {type:'declare', names, dtype, expr} |
// {type:'set', name, expr} | {type:'if', branches:[{cond, body}], orelse} |
// {type:'begin'} | {type:'commit'} | {type:'rollback'} | {type:'raise', expr} |
// {type:'assert', expr, desc} | {type:'block', body, handler}.  expr/cond/
// toks are token arrays ending with an eof token.
class ScriptParser {
  constructor(toks) {
    this.toks = toks;
    this.i = 0;
  }

  peek(k = 0) {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }

  slice(a, b) {
    const eof = Object.assign({}, this.toks[b] || this.toks[this.toks.length - 1], { t: 'eof', v: '', raw: '' });
    return this.toks.slice(a, b).concat([eof]);
  }

  expectKw(word) {
    const t = this.peek();
    if (!isKw(t, word)) throw unexpected(t, `keyword ${word}`);
    this.i++;
  }

  parseScript() {
    const body = this.parseList(() => this.peek().t === 'eof');
    return body;
  }

  parseList(stop) {
    const out = [];
    for (;;) {
      while (isOp(this.peek(), ';')) this.i++;
      if (stop()) return out;
      if (this.peek().t === 'eof') throw unexpected(this.peek(), 'END');
      out.push(this.parseStatement());
      const t = this.peek();
      if (isOp(t, ';')) {
        this.i++;
      } else if (t.t !== 'eof') {
        throw unexpected(t, '";"');
      }
    }
  }

  // Tokens up to ';' at bracket depth 0 (or end of script).
  untilSemicolon() {
    const s = this.i;
    const k = findTop(this.toks, s, this.toks.length - 1, (t) => isOp(t, ';'));
    this.i = k < 0 ? this.toks.length - 1 : k;
    return this.slice(s, this.i);
  }

  parseStatement() {
    const t = this.peek();
    const u = t.t === 'id' ? t.u : '';
    switch (u) {
      case 'DECLARE': return this.parseDeclare();
      case 'SET': return this.parseSet();
      case 'IF': return this.parseIf();
      case 'BEGIN': return this.parseBegin();
      case 'COMMIT': case 'ROLLBACK': {
        this.i++;
        if (isKw(this.peek(), 'TRANSACTION')) this.i++;
        return { type: u.toLowerCase(), tok: t };
      }
      case 'RAISE': {
        this.i++;
        let expr = null;
        if (isKw(this.peek(), 'USING')) {
          this.i++;
          this.expectKw('MESSAGE');
          if (!isOp(this.peek(), '=')) throw unexpected(this.peek(), '"="');
          this.i++;
          expr = this.untilSemicolon();
        }
        return { type: 'raise', expr, tok: t };
      }
      case 'ASSERT': {
        this.i++;
        const all = this.untilSemicolon();
        const k = findTop(all, 0, all.length - 1, (x) => isKw(x, 'AS'));
        if (k < 0) return { type: 'assert', expr: all, desc: null, tok: t };
        return { type: 'assert', expr: all.slice(0, k).concat([all[all.length - 1]]), desc: all.slice(k + 1), tok: t };
      }
      case 'LOOP': case 'WHILE': case 'REPEAT': case 'FOR': case 'BREAK': case 'LEAVE':
      case 'CONTINUE': case 'ITERATE': case 'RETURN': case 'CALL': case 'EXECUTE': case 'EXPORT':
      case 'LOAD': case 'GRANT': case 'REVOKE': case 'CASE':
        throw unsupported(`${u} statement`, t);
      default:
        return { type: 'sql', toks: this.untilSemicolon(), tok: t };
    }
  }

  parseDeclare() {
    const tok = this.peek();
    this.i++;
    const names = [];
    for (;;) {
      const n = this.peek();
      if (n.t !== 'id' && n.t !== 'qid') throw unexpected(n, 'variable name');
      names.push(n.v);
      this.i++;
      if (!isOp(this.peek(), ',')) break;
      this.i++;
    }
    let dtype = null;
    if (!isKw(this.peek(), 'DEFAULT') && !isOp(this.peek(), ';') && this.peek().t !== 'eof') {
      const r = T.parseTypeTokens(this.toks, this.i);
      dtype = r.type;
      this.i = r.next;
    }
    let expr = null;
    if (isKw(this.peek(), 'DEFAULT')) {
      this.i++;
      expr = this.untilSemicolon();
    }
    if (!dtype && !expr) throw invalidQuery(`Syntax error: DECLARE needs a type or a DEFAULT${at(tok)}`);
    return { type: 'declare', names, dtype, expr, tok };
  }

  parseSet() {
    const tok = this.peek();
    this.i++;
    const n = this.peek();
    if (isOp(n, '(')) throw unsupported('SET (a, b, ...) = ...', n);
    if (n.t === 'sys') throw unsupported(`SET @@${n.v}`, n);
    if (n.t !== 'id' && n.t !== 'qid') throw unexpected(n, 'variable name');
    this.i++;
    if (!isOp(this.peek(), '=')) throw unexpected(this.peek(), '"="');
    this.i++;
    return { type: 'set', name: n.v, expr: this.untilSemicolon(), tok };
  }

  condUntilThen() {
    const s = this.i;
    const k = findTop(this.toks, s, this.toks.length - 1, (t) => isKw(t, 'THEN'));
    if (k < 0) throw unexpected(this.toks[this.toks.length - 1], 'keyword THEN');
    this.i = k + 1;
    return this.slice(s, k);
  }

  parseIf() {
    const tok = this.peek();
    this.i++;
    const branches = [];
    let orelse = null;
    let cond = this.condUntilThen();
    const stop = () => isKw(this.peek(), 'ELSEIF', 'ELSE') || (isKw(this.peek(), 'END') && isKw(this.peek(1), 'IF'));
    for (;;) {
      const body = this.parseList(stop);
      branches.push({ cond, body });
      if (isKw(this.peek(), 'ELSEIF')) {
        this.i++;
        cond = this.condUntilThen();
        continue;
      }
      if (isKw(this.peek(), 'ELSE')) {
        this.i++;
        orelse = this.parseList(() => isKw(this.peek(), 'END') && isKw(this.peek(1), 'IF'));
      }
      this.expectKw('END');
      this.expectKw('IF');
      return { type: 'if', branches, orelse, tok };
    }
  }

  parseBegin() {
    const tok = this.peek();
    this.i++;
    if (isKw(this.peek(), 'TRANSACTION')) {
      this.i++;
      return { type: 'begin', tok };
    }
    if (isOp(this.peek(), ';') || this.peek().t === 'eof') return { type: 'begin', tok };
    const body = this.parseList(() => isKw(this.peek(), 'EXCEPTION', 'END'));
    let handler = null;
    if (isKw(this.peek(), 'EXCEPTION')) {
      this.i++;
      this.expectKw('WHEN');
      this.expectKw('ERROR');
      this.expectKw('THEN');
      handler = this.parseList(() => isKw(this.peek(), 'END'));
    }
    this.expectKw('END');
    return { type: 'block', body, handler, tok };
  }
}

function parseScript(text) {
  const toks = tokenize(text);
  const stmts = new ScriptParser(toks).parseScript();
  if (stmts.length === 0) throw invalidQuery('Syntax error: Unexpected end of script at [1:1]');
  return stmts;
}

// Every plain statement of a script, in all branches.
function flatten(stmts, out = []) {
  for (const s of stmts) {
    if (s.type === 'sql') out.push(s);
    else if (s.type === 'if') {
      for (const b of s.branches) flatten(b.body, out);
      if (s.orelse) flatten(s.orelse, out);
    } else if (s.type === 'block') {
      flatten(s.body, out);
      if (s.handler) flatten(s.handler, out);
    }
  }
  return out;
}

// ---------------------------------------------------------------- translation

const NOT_FUNCS = new Set(['IN', 'EXISTS', 'VALUES', 'AS', 'ON', 'USING', 'OVER', 'AND', 'OR', 'NOT',
  'WHEN', 'THEN', 'ELSE', 'FROM', 'JOIN', 'SELECT', 'WHERE', 'BY', 'RETURNING', 'INTO', 'TABLE', 'WITH',
  'RECURSIVE', 'ALL', 'ANY', 'SOME', 'LIKE', 'BETWEEN', 'IS', 'CASE', 'END', 'LIMIT', 'WINDOW',
  'PARTITION', 'ORDER', 'GROUP', 'HAVING', 'QUALIFY', 'SET', 'UPDATE', 'INSERT', 'DELETE', 'MERGE',
  'DISTINCT', 'INTERSECT', 'UNION', 'CROSS', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'OUTER', 'LATERAL',
  'NATURAL', 'ROLLUP', 'CUBE', 'GROUPING', 'SETS', 'EXCLUDE', 'ROW', 'ROWS', 'RANGE', 'OPTIONS']);

const KEYWORDS = new Set([...NOT_FUNCS, 'NULL', 'TRUE', 'FALSE', 'DESC', 'ASC', 'NULLS', 'FIRST',
  'LAST', 'OFFSET', 'INTERVAL', 'CAST', 'EXCEPT', 'DAY', 'MONTH', 'YEAR', 'WEEK', 'HOUR', 'MINUTE',
  'SECOND', 'QUARTER', 'PRECEDING', 'FOLLOWING', 'UNBOUNDED', 'CURRENT', 'MATCHED', 'SOURCE', 'TARGET']);

const FROM_ENDERS = new Set(['WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'WINDOW', 'ORDER', 'LIMIT', 'UNION',
  'INTERSECT', 'EXCEPT', 'SET', 'WHEN', 'RETURNING', 'SELECT']);

const RENAME = {
  COUNTIF: 'count_if', LOGICAL_AND: 'bool_and', LOGICAL_OR: 'bool_or', ARRAY_LENGTH: 'len',
  REGEXP_CONTAINS: 'regexp_matches', STARTS_WITH: 'starts_with', ENDS_WITH: 'ends_with',
  ARRAY_TO_STRING: 'array_to_string', ARRAY_CONCAT: 'list_concat', ARRAY_REVERSE: 'list_reverse',
  IF: 'if', IFNULL: 'ifnull', CHAR_LENGTH: 'length', CHARACTER_LENGTH: 'length', BYTE_LENGTH: 'strlen',
  ARRAY_AGG: 'array_agg', FORMAT: 'printf', RAND: 'random', LAST_DAY: 'last_day', INSTR: 'instr',
  JSON_VALUE: 'json_extract_string', JSON_EXTRACT_SCALAR: 'json_extract_string',
};

const PASS = new Set(['COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'COALESCE', 'NULLIF', 'STRING_AGG', 'LOWER',
  'UPPER', 'TRIM', 'LTRIM', 'RTRIM', 'REPLACE', 'REVERSE', 'LPAD', 'RPAD', 'REPEAT', 'LEFT', 'RIGHT',
  'LENGTH', 'SUBSTR', 'SUBSTRING', 'STRPOS', 'ABS', 'SIGN', 'ROUND', 'FLOOR', 'CEIL', 'CEILING', 'SQRT',
  'POW', 'POWER', 'EXP', 'LN', 'LOG10', 'TRUNC', 'ROW_NUMBER', 'RANK', 'DENSE_RANK', 'LAG', 'LEAD',
  'FIRST_VALUE', 'LAST_VALUE', 'NTH_VALUE', 'NTILE', 'PERCENT_RANK', 'CUME_DIST', 'STDDEV',
  'STDDEV_POP', 'STDDEV_SAMP', 'VARIANCE', 'VAR_POP', 'VAR_SAMP', 'CORR', 'COVAR_POP', 'COVAR_SAMP',
  'ANY_VALUE', 'APPROX_COUNT_DISTINCT', 'BIT_AND', 'BIT_OR', 'BIT_XOR', 'ASCII', 'CHR']);

const PARTS = {
  MICROSECOND: 'microsecond', MILLISECOND: 'millisecond', SECOND: 'second', MINUTE: 'minute',
  HOUR: 'hour', DAY: 'day', WEEK: 'week', ISOWEEK: 'week', MONTH: 'month', QUARTER: 'quarter',
  YEAR: 'year', ISOYEAR: 'isoyear', DAYOFWEEK: 'dow', DAYOFYEAR: 'doy',
};

function bqFormat(fmt) {
  return fmt.replace(/%F/g, '%Y-%m-%d').replace(/%T/g, '%H:%M:%S').replace(/%D/g, '%m/%d/%y')
    .replace(/%R/g, '%H:%M').replace(/%e/g, '%-d').replace(/%Q/g, '');
}

// ctx (from the engine): resolveTable(parts, tok) -> DuckDB name; param(name,
// tok) / positional(tok) / variable(name) / sysvar(name, tok) -> SQL text of
// a bound value; ctes: Set of lower-case WITH names.
class Translator {
  constructor(toks, ctx) {
    this.toks = toks;
    this.ctx = ctx;
    this.ctes = new Set();
    for (let k = 1; k + 2 < toks.length; k++) {
      const p = toks[k - 1];
      if ((toks[k].t === 'id' || toks[k].t === 'qid') && isKw(toks[k + 1], 'AS') && isOp(toks[k + 2], '(') &&
        (isKw(p, 'WITH', 'RECURSIVE') || isOp(p, ','))) {
        this.ctes.add(toks[k].v.toLowerCase());
      }
    }
    ctx.ctes = this.ctes;
  }

  tr(i, j) {
    const toks = this.toks;
    const out = [];
    const st = { from: false, expect: false };
    let prevEnd = false;
    while (i < j) {
      const tok = toks[i];
      if (st.expect) {
        st.expect = false;
        const r = this.tableRef(i, j);
        if (r) {
          out.push(r.text);
          i = r.next;
          prevEnd = true;
          continue;
        }
      }
      if (tok.t === 'op') {
        const v = tok.v;
        if (v === '(') {
          const close = matching(toks, i);
          if (close >= j) throw unexpected(toks[j], '")"');
          out.push('(' + this.tr(i + 1, close) + ')');
          i = close + 1;
          prevEnd = true;
          continue;
        }
        if (v === '[') {
          const close = matching(toks, i);
          out.push(prevEnd ? this.subscript(i + 1, close) : '[' + this.tr(i + 1, close) + ']');
          i = close + 1;
          prevEnd = true;
          continue;
        }
        if (v === ',' && st.from) {
          out.push(',');
          st.expect = true;
          i++;
          prevEnd = false;
          continue;
        }
        if (v === '?') {
          out.push(this.ctx.positional(tok));
          i++;
          prevEnd = true;
          continue;
        }
        if (v === '*' && isKw(toks[i + 1], 'EXCEPT') && isOp(toks[i + 2], '(')) {
          out.push('* EXCLUDE');
          i += 2;
          prevEnd = false;
          continue;
        }
        if (v === '{' || v === '}' || v === ':') throw unsupported(`"${v}"`, tok);
        const prev = toks[i - 1];
        if ((v === '>' || v === '<') && prev && isOp(prev, v) && prev.end === tok.pos && out.length) {
          out[out.length - 1] += v;
        } else {
          out.push(v);
        }
        i++;
        prevEnd = v === ')' || v === ']';
        continue;
      }
      if (tok.t === 'str') {
        out.push(sqlString(tok.v));
        i++;
        prevEnd = true;
        continue;
      }
      if (tok.t === 'bytes') throw unsupported('bytes literals', tok);
      if (tok.t === 'num') {
        out.push(/^0x/i.test(tok.v) ? String(parseInt(tok.v, 16)) : /[.eE]/.test(tok.v) ? `CAST(${tok.v} AS DOUBLE)` : tok.v);
        i++;
        prevEnd = true;
        continue;
      }
      if (tok.t === 'param') {
        out.push(this.ctx.param(tok.v, tok));
        i++;
        prevEnd = true;
        continue;
      }
      if (tok.t === 'sys') {
        out.push(this.ctx.sysvar(tok.v, tok));
        i++;
        prevEnd = true;
        continue;
      }
      if (tok.t === 'qid') {
        if (isOp(toks[i + 1], '(')) throw unsupported(`user-defined function ${tok.raw}`, tok);
        out.push(tok.v.split('.').map(T.quoteIdent).join('.'));
        i++;
        prevEnd = true;
        continue;
      }
      if (tok.t === 'eof') break;
      // Identifiers and keywords.
      const r = this.ident(i, j, st);
      out.push(r.text);
      i = r.next;
      prevEnd = r.end;
    }
    return out.join(' ');
  }

  ident(i, j, st) {
    const toks = this.toks;
    const tok = toks[i];
    const u = tok.u;
    const next = toks[i + 1];
    const prev = toks[i - 1];
    const kw = (text, n = i + 1) => ({ text, next: n, end: false });
    if (u === 'SELECT' && isKw(next, 'AS') && isKw(toks[i + 2], 'STRUCT', 'VALUE')) throw unsupported(`SELECT AS ${toks[i + 2].u}`, tok);
    if (u === 'FROM') {
      if (isKw(prev, 'DISTINCT')) return kw('FROM');
      st.from = true;
      st.expect = true;
      return kw('FROM');
    }
    if (u === 'JOIN') {
      st.expect = true;
      return kw('JOIN');
    }
    if (FROM_ENDERS.has(u) && !(u === 'EXCEPT' && isOp(prev, '*'))) st.from = false;
    if ((u === 'UNION' || u === 'INTERSECT' || u === 'EXCEPT') && isKw(next, 'DISTINCT')) return kw(u, i + 2);
    if (u === 'IN' && isKw(next, 'UNNEST') && isOp(toks[i + 2], '(')) {
      const close = matching(toks, i + 2);
      return kw(`IN (SELECT unnest(${this.tr(i + 3, close)}))`, close + 1);
    }
    if (u === 'INTERVAL') return this.interval(i);
    if (['DATE', 'DATETIME', 'TIMESTAMP', 'TIME', 'NUMERIC', 'BIGNUMERIC', 'DECIMAL', 'BIGDECIMAL', 'JSON'].includes(u) &&
      next && next.t === 'str') {
      return { text: `CAST(${sqlString(next.v)} AS ${T.duckType(T.scalar(T.canonicalName(u)))})`, next: i + 2, end: true };
    }
    if (u === 'STRUCT' && (isOp(next, '(') || isOp(next, '<'))) return this.struct(i);
    if (u === 'ARRAY' && (isOp(next, '(') || isOp(next, '<') || isOp(next, '['))) return this.array(i);
    if ((u === 'CURRENT_DATE' || u === 'CURRENT_TIMESTAMP' || u === 'CURRENT_DATETIME' || u === 'CURRENT_TIME') &&
      !isOp(next, '(')) {
      return { text: this.call(u, []), next: i + 1, end: true };
    }
    if (u === 'REPLACE' && isOp(prev, '*')) return kw('REPLACE');
    if (isOp(next, '(') && !NOT_FUNCS.has(u)) {
      if (isOp(prev, '.')) throw unsupported(`function ${prev && toks[i - 2] ? toks[i - 2].raw + '.' : ''}${tok.raw}`, tok);
      return this.func(i);
    }
    if (isOp(next, '.') && (u === 'SAFE' || u === 'NET' || u === 'HLL_COUNT' || u === 'KEYS' || u === 'AEAD')) {
      throw unsupported(`function ${tok.raw}.${toks[i + 2] ? toks[i + 2].raw : ''}`, tok);
    }
    if (!isOp(prev, '.') && !isOp(next, '.') && !NOT_FUNCS.has(u) && !isKw(prev, 'NULLS')) {
      const v = this.ctx.variable(tok.v);
      if (v) return { text: v, next: i + 1, end: true };
    }
    return { text: tok.v, next: i + 1, end: !KEYWORDS.has(u) || u === 'NULL' || u === 'TRUE' || u === 'FALSE' };
  }

  tableRef(i, j) {
    const toks = this.toks;
    const tok = toks[i];
    if (isKw(tok, 'UNNEST') && isOp(toks[i + 1], '(')) return this.unnest(i);
    if (isKw(tok, 'LATERAL')) return null;
    if (tok.t !== 'id' && tok.t !== 'qid') return null;
    const p = parsePath(toks, i);
    if (p.next > j) return null;
    if (isOp(toks[p.next], '(')) throw unsupported(`table-valued function ${p.parts.join('.')}`, tok);
    return { text: this.ctx.resolveTable(p.parts, tok), next: p.next };
  }

  unnest(i) {
    const toks = this.toks;
    const close = matching(toks, i + 1);
    const inner = this.tr(i + 2, close);
    let k = close + 1;
    let alias = null;
    let offset = null;
    const aliasAt = (n) => {
      if (isKw(toks[n], 'AS') && toks[n + 1] && (toks[n + 1].t === 'id' || toks[n + 1].t === 'qid')) return [toks[n + 1].v, n + 2];
      if (toks[n] && (toks[n].t === 'qid' || (toks[n].t === 'id' && !KEYWORDS.has(toks[n].u) && !FROM_ENDERS.has(toks[n].u) &&
        !['WITH', 'JOIN', 'LEFT', 'RIGHT', 'INNER', 'CROSS', 'FULL', 'ON', 'USING'].includes(toks[n].u)))) {
        return [toks[n].v, n + 1];
      }
      return [null, n];
    };
    [alias, k] = aliasAt(k);
    if (isKw(toks[k], 'WITH') && isKw(toks[k + 1], 'OFFSET')) {
      [offset, k] = aliasAt(k + 2);
      offset = offset || 'offset';
    }
    let text;
    if (!alias && !offset) {
      text = `(SELECT unnest(${inner}, recursive := true))`;
    } else {
      const a = T.quoteIdent(alias || 'value');
      const cols = [`unnest(${inner}) AS ${a}`];
      if (offset) cols.push(`unnest(range(CAST(len(${inner}) AS BIGINT))) AS ${T.quoteIdent(offset)}`);
      text = `(SELECT ${cols.join(', ')}) AS ${T.quoteIdent('_unnest_' + (alias || 'value'))}`;
    }
    return { text, next: k };
  }

  subscript(i, j) {
    const toks = this.toks;
    const f = toks[i];
    if (isKw(f, 'OFFSET', 'SAFE_OFFSET', 'ORDINAL', 'SAFE_ORDINAL') && isOp(toks[i + 1], '(')) {
      const close = matching(toks, i + 1);
      const e = this.tr(i + 2, close);
      return f.u.endsWith('OFFSET') ? `[(${e}) + 1]` : `[(${e})]`;
    }
    if (f.t === 'str' && j === i + 1) return `[${sqlString(f.v)}]`;
    return `[(${this.tr(i, j)}) + 1]`;
  }

  interval(i) {
    const toks = this.toks;
    let k = i + 1;
    let value;
    const t = toks[k];
    if (isOp(t, '-') && toks[k + 1] && toks[k + 1].t === 'num') {
      value = '-' + toks[k + 1].v;
      k += 2;
    } else if (t.t === 'num') {
      value = t.v;
      k++;
    } else if (t.t === 'str') {
      value = sqlString(t.v);
      k++;
    } else if (isOp(t, '(')) {
      const close = matching(toks, k);
      value = '(' + this.tr(k + 1, close) + ')';
      k = close + 1;
    } else if (t.t === 'param' || t.t === 'id' || t.t === 'sys') {
      value = '(' + this.tr(k, k + 1) + ')';
      k++;
    } else {
      throw unexpected(t, 'interval value');
    }
    const part = toks[k];
    if (!part || part.t !== 'id' || !PARTS[part.u] || isKw(toks[k + 1], 'TO')) throw unsupported('this INTERVAL form', toks[i]);
    return { text: `INTERVAL ${value} ${part.u === 'ISOWEEK' ? 'WEEK' : part.u}`, next: k + 1, end: true };
  }

  args(open) {
    const close = matching(this.toks, open);
    if (close === open + 1) return { ranges: [], close };
    return { ranges: splitTop(this.toks, open + 1, close, ','), close };
  }

  part(range, fname) {
    const t = this.toks[range[0]];
    if (!t || t.t !== 'id' || !PARTS[t.u]) throw invalidQuery(`A valid date part name is required but found ${t ? t.raw : 'nothing'} in ${fname}${at(t)}`);
    if (t.u === 'WEEK' && isOp(this.toks[range[0] + 1], '(')) {
      const day = this.toks[range[0] + 2];
      return isKw(day, 'MONDAY') ? 'week' : 'week_sunday';
    }
    if (t.u === 'WEEK') return 'week_sunday';
    return PARTS[t.u];
  }

  func(i) {
    const toks = this.toks;
    const tok = toks[i];
    const u = tok.u;
    if (u === 'CAST' || u === 'SAFE_CAST') {
      const close = matching(toks, i + 1);
      const k = findTop(toks, i + 2, close, (t) => isKw(t, 'AS'));
      if (k < 0) throw unexpected(toks[close], 'keyword AS');
      const ty = T.parseTypeTokens(toks, k + 1);
      if (ty.next !== close) throw unsupported(`${u} ... ${toks[ty.next].raw}`, toks[ty.next]);
      // BigQuery rounds half away from zero; DuckDB's cast rounds half to even.
      if (ty.type.t === 'INT64') return { text: `${u === 'CAST' ? 'bq_int64' : 'bq_safe_int64'}(${this.tr(i + 2, k)})`, next: close + 1, end: true };
      return { text: `${u === 'CAST' ? 'CAST' : 'TRY_CAST'}(${this.tr(i + 2, k)} AS ${T.duckType(ty.type)})`, next: close + 1, end: true };
    }
    if (u === 'EXTRACT') {
      const close = matching(toks, i + 1);
      const k = findTop(toks, i + 2, close, (t) => isKw(t, 'FROM'));
      if (k < 0) throw unexpected(toks[close], 'keyword FROM');
      const pt = toks[i + 2];
      const e = this.tr(k + 1, close);
      let text;
      if (isKw(pt, 'DATE')) text = `CAST(${e} AS DATE)`;
      else if (isKw(pt, 'DAYOFWEEK')) text = `(dayofweek(${e}) + 1)`;
      else if (isKw(pt, 'DAYOFYEAR')) text = `dayofyear(${e})`;
      else if (isKw(pt, 'ISOWEEK')) text = `week(${e})`;
      else if (isKw(pt, 'ISOYEAR')) text = `isoyear(${e})`;
      else if (isKw(pt, 'WEEK')) text = `CAST(strftime(${e}, '%U') AS BIGINT)`;
      else if (pt.t === 'id' && PARTS[pt.u] && k === i + 3) text = `EXTRACT(${pt.u} FROM ${e})`;
      else throw unsupported(`EXTRACT(${pt.raw} ...)`, pt);
      return { text, next: close + 1, end: true };
    }
    const { ranges, close } = this.args(i + 1);
    if (u === 'FORMAT' && ranges.length && this.toks[ranges[0][0]].t === 'str' && ranges[0][1] === ranges[0][0] + 1) {
      // BigQuery's %t / %T (any value as text) -> printf's %s.
      const f = sqlString(this.toks[ranges[0][0]].v.replace(/%[tT]/g, '%s'));
      const rest = ranges.slice(1).map(([s, e]) => this.tr(s, e));
      return { text: `printf(${[f].concat(rest).join(', ')})`, next: close + 1, end: true };
    }
    if (RENAME[u] || PASS.has(u)) {
      const name = RENAME[u] || u.toLowerCase();
      return { text: `${name}(${this.tr(i + 2, close)})`, next: close + 1, end: true };
    }
    return { text: this.call(u, ranges, tok), next: close + 1, end: true };
  }

  call(u, ranges, tok) {
    const A = (k) => {
      if (!ranges[k]) throw invalidQuery(`No matching signature for function ${u}: too few arguments${at(tok)}`);
      return this.tr(ranges[k][0], ranges[k][1]);
    };
    const n = ranges.length;
    const want = (...counts) => {
      if (!counts.includes(n)) {
        throw invalidQuery(`No matching signature for function ${u} for argument count ${n}${at(tok)}`);
      }
    };
    const lit = (k) => {
      const r = ranges[k];
      return r && r[1] === r[0] + 1 && this.toks[r[0]].t === 'str' ? this.toks[r[0]].v : null;
    };
    const fmt = (k) => (lit(k) !== null ? sqlString(bqFormat(lit(k))) : A(k));
    const trunc = (e, p) => (p === 'week_sunday' ? `(date_trunc('week', (${e}) + INTERVAL 1 DAY) - INTERVAL 1 DAY)` : `date_trunc('${p}', ${e})`);
    switch (u) {
      case 'CURRENT_DATE': return 'current_date';
      case 'CURRENT_TIMESTAMP': return 'get_current_timestamp()';
      case 'CURRENT_DATETIME': return 'CAST(get_current_timestamp() AS TIMESTAMP)';
      case 'CURRENT_TIME': return 'CAST(get_current_timestamp() AS TIME)';
      case 'DATE':
        want(1, 2, 3);
        if (n === 1) return `CAST(${A(0)} AS DATE)`;
        if (n === 2) return `CAST(timezone(${A(1)}, ${A(0)}) AS DATE)`;
        return `make_date(${A(0)}, ${A(1)}, ${A(2)})`;
      case 'DATETIME':
        want(1, 2, 6);
        if (n === 1) return `CAST(${A(0)} AS TIMESTAMP)`;
        if (n === 2) return `(CAST(${A(0)} AS DATE) + CAST(${A(1)} AS TIME))`;
        return `make_timestamp(${A(0)}, ${A(1)}, ${A(2)}, ${A(3)}, ${A(4)}, ${A(5)})`;
      case 'TIMESTAMP':
        want(1, 2);
        if (n === 1) return `CAST(${A(0)} AS TIMESTAMPTZ)`;
        return `timezone(${A(1)}, CAST(${A(0)} AS TIMESTAMP))`;
      case 'TIME':
        want(1, 3);
        if (n === 1) return `CAST(${A(0)} AS TIME)`;
        return `make_time(${A(0)}, ${A(1)}, ${A(2)})`;
      case 'DATE_TRUNC':
        want(2);
        return `CAST(${trunc(A(0), this.part(ranges[1], u))} AS DATE)`;
      case 'DATETIME_TRUNC':
        want(2);
        return `CAST(${trunc(A(0), this.part(ranges[1], u))} AS TIMESTAMP)`;
      case 'TIMESTAMP_TRUNC':
        want(2, 3);
        return `CAST(${trunc(A(0), this.part(ranges[1], u))} AS TIMESTAMPTZ)`;
      case 'DATE_ADD': want(2); return `CAST(${A(0)} + ${A(1)} AS DATE)`;
      case 'DATE_SUB': want(2); return `CAST(${A(0)} - ${A(1)} AS DATE)`;
      case 'DATETIME_ADD': case 'TIMESTAMP_ADD': want(2); return `(${A(0)} + ${A(1)})`;
      case 'DATETIME_SUB': case 'TIMESTAMP_SUB': want(2); return `(${A(0)} - ${A(1)})`;
      case 'DATE_DIFF': case 'DATETIME_DIFF': {
        want(3);
        const p = this.part(ranges[2], u);
        return `date_diff('${p === 'week_sunday' ? 'week' : p}', ${A(1)}, ${A(0)})`;
      }
      case 'TIMESTAMP_DIFF': {
        want(3);
        return `date_sub('${this.part(ranges[2], u)}', ${A(1)}, ${A(0)})`;
      }
      case 'FORMAT_DATE': case 'FORMAT_DATETIME': case 'FORMAT_TIMESTAMP': case 'FORMAT_TIME':
        want(2, 3);
        return `strftime(${A(1)}, ${fmt(0)})`;
      case 'PARSE_DATE': want(2); return `CAST(strptime(${A(1)}, ${fmt(0)}) AS DATE)`;
      case 'PARSE_DATETIME': want(2); return `CAST(strptime(${A(1)}, ${fmt(0)}) AS TIMESTAMP)`;
      case 'PARSE_TIMESTAMP': want(2, 3); return `CAST(strptime(${A(1)}, ${fmt(0)}) AS TIMESTAMPTZ)`;
      case 'UNIX_DATE': want(1); return `date_diff('day', DATE '1970-01-01', ${A(0)})`;
      case 'DATE_FROM_UNIX_DATE': want(1); return `CAST(DATE '1970-01-01' + INTERVAL (${A(0)}) DAY AS DATE)`;
      case 'UNIX_SECONDS': want(1); return `CAST(floor(epoch_us(${A(0)}) / 1000000.0) AS BIGINT)`;
      case 'UNIX_MILLIS': want(1); return `CAST(floor(epoch_us(${A(0)}) / 1000.0) AS BIGINT)`;
      case 'UNIX_MICROS': want(1); return `epoch_us(${A(0)})`;
      case 'TIMESTAMP_SECONDS': want(1); return `CAST(make_timestamp(CAST(${A(0)} AS BIGINT) * 1000000) AS TIMESTAMPTZ)`;
      case 'TIMESTAMP_MILLIS': want(1); return `CAST(make_timestamp(CAST(${A(0)} AS BIGINT) * 1000) AS TIMESTAMPTZ)`;
      case 'TIMESTAMP_MICROS': want(1); return `CAST(make_timestamp(CAST(${A(0)} AS BIGINT)) AS TIMESTAMPTZ)`;
      case 'TO_JSON_STRING': want(1, 2); return `CAST(to_json(${A(0)}) AS VARCHAR)`;
      case 'JSON_EXTRACT': case 'JSON_QUERY': want(2); return `CAST(json_extract(${A(0)}, ${A(1)}) AS VARCHAR)`;
      case 'SAFE_DIVIDE': want(2); return `(CASE WHEN (${A(1)}) = 0 THEN NULL ELSE (${A(0)}) / (${A(1)}) END)`;
      case 'IEEE_DIVIDE': want(2); return `(CAST(${A(0)} AS DOUBLE) / (${A(1)}))`;
      case 'DIV': want(2); return `((${A(0)}) // (${A(1)}))`;
      case 'MOD': want(2); return `((${A(0)}) % (${A(1)}))`;
      case 'LOG': want(1, 2); return n === 1 ? `ln(${A(0)})` : `(ln(${A(0)}) / ln(${A(1)}))`;
      case 'CONCAT':
        if (n === 0) throw invalidQuery(`No matching signature for function CONCAT for argument count 0${at(tok)}`);
        return '(' + ranges.map((r, k) => `CAST(${A(k)} AS VARCHAR)`).join(' || ') + ')';
      case 'GREATEST': case 'LEAST': {
        if (n === 0) throw invalidQuery(`No matching signature for function ${u} for argument count 0${at(tok)}`);
        const as = ranges.map((r, k) => A(k));
        return `(CASE WHEN ${as.map((a) => `(${a}) IS NULL`).join(' OR ')} THEN NULL ELSE ${u.toLowerCase()}(${as.join(', ')}) END)`;
      }
      case 'SPLIT': want(1, 2); return `string_split(${A(0)}, ${n === 2 ? A(1) : "','"})`;
      case 'REGEXP_REPLACE': want(3); return `regexp_replace(${A(0)}, ${A(1)}, ${A(2)}, 'g')`;
      case 'REGEXP_EXTRACT': {
        want(2);
        const re = lit(1);
        let group = 0;
        if (re !== null) {
          try {
            group = new RegExp(re + '|').exec('').length - 1 > 0 ? 1 : 0;
          } catch (e) {
            group = 0;
          }
        }
        return `regexp_extract(${A(0)}, ${A(1)}, ${group})`;
      }
      case 'GENERATE_UUID': want(0); return 'CAST(gen_random_uuid() AS VARCHAR)';
      case 'GENERATE_ARRAY': want(2, 3); return `generate_series(${A(0)}, ${A(1)}${n === 3 ? ', ' + A(2) : ''})`;
      case 'GENERATE_DATE_ARRAY':
        want(2, 3);
        return `CAST(generate_series(CAST(${A(0)} AS DATE), CAST(${A(1)} AS DATE), ${n === 3 ? A(2) : 'INTERVAL 1 DAY'}) AS DATE[])`;
      default:
        throw invalidQuery(`Function not found: ${tok ? tok.raw : u}${at(tok)}`);
    }
  }

  struct(i) {
    const toks = this.toks;
    let k = i + 1;
    let typed = null;
    if (isOp(toks[k], '<')) {
      const ty = T.parseTypeTokens(toks, i);
      typed = ty.type;
      k = ty.next;
      if (!isOp(toks[k], '(')) throw unexpected(toks[k], '"("');
    }
    const { ranges, close } = this.args(k);
    if (ranges.length === 0) throw unsupported('STRUCT()', toks[i]);
    if (typed && typed.fields.length !== ranges.length) {
      throw invalidQuery(`STRUCT type has ${typed.fields.length} fields but constructor call has ${ranges.length} fields${at(toks[i])}`);
    }
    const items = ranges.map(([s, e], n) => {
      let name = typed ? typed.fields[n].name : null;
      let end = e;
      const as = findTop(toks, s, e, (t) => isKw(t, 'AS'));
      if (as >= 0 && as === e - 2) {
        name = toks[e - 1].v;
        end = as;
      } else if (!typed && e === s + 1 && (toks[s].t === 'id' || toks[s].t === 'qid') && !this.ctx.variable(toks[s].v)) {
        name = toks[s].v;
      } else if (!typed && e === s + 3 && isOp(toks[s + 1], '.') && (toks[s + 2].t === 'id' || toks[s + 2].t === 'qid')) {
        name = toks[s + 2].v;
      }
      let expr = this.tr(s, end);
      if (typed) expr = `CAST(${expr} AS ${T.duckType(typed.fields[n].type)})`;
      return { name: name || `_field_${n + 1}`, expr };
    });
    return { text: 'struct_pack(' + items.map((x) => `${T.quoteIdent(x.name)} := ${x.expr}`).join(', ') + ')', next: close + 1, end: true };
  }

  array(i) {
    const toks = this.toks;
    const next = toks[i + 1];
    if (isOp(next, '(')) {
      const close = matching(toks, i + 1);
      return { text: `ARRAY(${this.tr(i + 2, close)})`, next: close + 1, end: true };
    }
    if (isOp(next, '[')) {
      const close = matching(toks, i + 1);
      return { text: `[${this.tr(i + 2, close)}]`, next: close + 1, end: true };
    }
    const ty = T.parseTypeTokens(toks, i);
    if (!isOp(toks[ty.next], '[')) throw unexpected(toks[ty.next], '"["');
    const close = matching(toks, ty.next);
    return { text: `CAST([${this.tr(ty.next + 1, close)}] AS ${T.duckType(ty.type)})`, next: close + 1, end: true };
  }

  // SET a = x, T.b = y -> "a" = x, "b" = y (DuckDB takes bare column names).
  assignments(i, j) {
    const toks = this.toks;
    return splitTop(toks, i, j, ',').map(([s, e]) => {
      let k = s;
      if (isOp(toks[s + 1], '.') && isOp(toks[s + 3], '=')) k = s + 2;
      const col = toks[k];
      if (!col || (col.t !== 'id' && col.t !== 'qid') || !isOp(toks[k + 1], '=')) throw unexpected(col, 'column = expression');
      return `${T.quoteIdent(col.v)} = ${this.tr(k + 2, e)}`;
    }).join(', ');
  }
}

// ---------------------------------------------------------------- statements

function alias(toks, k, stopWords) {
  if (isKw(toks[k], 'AS')) {
    const a = toks[k + 1];
    if (!a || (a.t !== 'id' && a.t !== 'qid')) throw unexpected(a, 'alias');
    return { name: a.v, next: k + 2 };
  }
  const a = toks[k];
  if (a && (a.t === 'qid' || (a.t === 'id' && !stopWords.includes(a.u)))) return { name: a.v, next: k + 1 };
  return { name: null, next: k };
}

function requirePath(toks, i, what) {
  const p = parsePath(toks, i);
  if (!p) throw unexpected(toks[i], what || 'table name');
  return p;
}

// The table a DML statement changes (without resolving it): {kind, parts, tok}.
function dmlTarget(toks) {
  const t0 = toks[0];
  if (!t0 || t0.t !== 'id') return null;
  let k = 1;
  switch (t0.u) {
    case 'INSERT':
      if (isKw(toks[k], 'INTO')) k++;
      return { kind: 'INSERT', mutating: false, ...requirePath(toks, k) };
    case 'UPDATE':
      return { kind: 'UPDATE', mutating: true, ...requirePath(toks, k) };
    case 'DELETE':
      if (isKw(toks[k], 'FROM')) k++;
      return { kind: 'DELETE', mutating: true, ...requirePath(toks, k) };
    case 'MERGE':
      if (isKw(toks[k], 'INTO')) k++;
      return { kind: 'MERGE', mutating: true, ...requirePath(toks, k) };
    case 'TRUNCATE':
      if (!isKw(toks[k], 'TABLE')) throw unexpected(toks[k], 'keyword TABLE');
      return { kind: 'TRUNCATE_TABLE', mutating: true, ...requirePath(toks, k + 1) };
    default:
      return null;
  }
}

function statementKind(toks) {
  const t0 = toks[0];
  if (isOp(t0, '(')) return 'SELECT';
  if (!t0 || t0.t !== 'id') return 'UNKNOWN';
  switch (t0.u) {
    case 'SELECT': case 'WITH': return 'SELECT';
    case 'INSERT': case 'UPDATE': case 'DELETE': case 'MERGE': return t0.u;
    case 'TRUNCATE': return 'TRUNCATE_TABLE';
    case 'CREATE': case 'DROP': case 'ALTER': {
      let k = 1;
      if (isKw(toks[k], 'OR') && isKw(toks[k + 1], 'REPLACE')) k += 2;
      if (isKw(toks[k], 'TEMP', 'TEMPORARY')) k++;
      const obj = toks[k] && toks[k].t === 'id' ? toks[k].u : '';
      if (obj === 'TABLE' && t0.u === 'CREATE' && findTop(toks, k, toks.length - 1, (t) => isKw(t, 'AS')) >= 0) {
        return 'CREATE_TABLE_AS_SELECT';
      }
      return `${t0.u}_${obj || 'UNKNOWN'}`;
    }
    default: return t0.u;
  }
}

// Translate one plain statement.  Returns {kind, sql?, target?, ddl?, mergeCheck?}.
function translateStatement(toks, ctx) {
  const tr = new Translator(toks, ctx);
  const end = toks.length - 1;
  const t0 = toks[0];
  const kind = statementKind(toks);
  switch (kind) {
    case 'SELECT':
      return { kind, sql: tr.tr(0, end) };
    case 'INSERT': {
      let k = 1;
      if (isKw(toks[k], 'INTO')) k++;
      const p = requirePath(toks, k);
      const target = ctx.resolveTable(p.parts, p.tok);
      k = p.next;
      let cols = '';
      if (isOp(toks[k], '(') && !isKw(toks[k + 1], 'SELECT', 'WITH')) {
        const close = matching(toks, k);
        cols = ' (' + splitTop(toks, k + 1, close, ',').map(([s, e]) => {
          if (e !== s + 1 || (toks[s].t !== 'id' && toks[s].t !== 'qid')) throw unexpected(toks[s], 'column name');
          return T.quoteIdent(toks[s].v);
        }).join(', ') + ')';
        k = close + 1;
      }
      if (!isKw(toks[k], 'VALUES', 'SELECT', 'WITH') && !isOp(toks[k], '(')) throw unexpected(toks[k], 'VALUES or SELECT');
      return { kind, sql: `INSERT INTO ${target}${cols} ${tr.tr(k, end)}`, target: p, mutating: false };
    }
    case 'UPDATE': {
      const p = requirePath(toks, 1);
      const target = ctx.resolveTable(p.parts, p.tok);
      const a = alias(toks, p.next, ['SET']);
      let k = a.next;
      if (!isKw(toks[k], 'SET')) throw unexpected(toks[k], 'keyword SET');
      const stop = findTop(toks, k + 1, end, (t) => isKw(t, 'FROM', 'WHERE'));
      const where = findTop(toks, k + 1, end, (t) => isKw(t, 'WHERE'));
      if (where < 0) throw invalidQuery(`UPDATE must have a WHERE clause${at(t0)}`);
      const sets = tr.assignments(k + 1, stop);
      const rest = tr.tr(stop, end);
      const as = a.name ? ` AS ${T.quoteIdent(a.name)}` : '';
      return { kind, sql: `UPDATE ${target}${as} SET ${sets} ${rest}`, target: p, mutating: true };
    }
    case 'DELETE': {
      let k = 1;
      if (isKw(toks[k], 'FROM')) k++;
      const p = requirePath(toks, k);
      const target = ctx.resolveTable(p.parts, p.tok);
      const a = alias(toks, p.next, ['WHERE']);
      if (!isKw(toks[a.next], 'WHERE')) throw invalidQuery(`DELETE must have a WHERE clause${at(t0)}`);
      const as = a.name ? ` AS ${T.quoteIdent(a.name)}` : '';
      return { kind, sql: `DELETE FROM ${target}${as} ${tr.tr(a.next, end)}`, target: p, mutating: true };
    }
    case 'TRUNCATE_TABLE': {
      const p = requirePath(toks, 2);
      if (p.next !== end) throw unexpected(toks[p.next], 'end of statement');
      const target = ctx.resolveTable(p.parts, p.tok);
      return { kind, sql: `DELETE FROM ${target}`, target: p, mutating: true };
    }
    case 'MERGE':
      return translateMerge(toks, ctx, tr);
    default:
      if (kind.startsWith('CREATE_') || kind.startsWith('DROP_') || kind.startsWith('ALTER_') || kind === 'CREATE_TABLE_AS_SELECT') {
        return { kind, ddl: parseDdl(toks, kind), translator: tr };
      }
      throw unsupported(`${t0 && t0.t === 'id' ? t0.u + ' statement' : 'statement starting with ' + (t0 ? t0.raw : '')}`, t0);
  }
}

function translateMerge(toks, ctx, tr) {
  const end = toks.length - 1;
  let k = 1;
  if (isKw(toks[k], 'INTO')) k++;
  const p = requirePath(toks, k);
  const target = ctx.resolveTable(p.parts, p.tok);
  const ta = alias(toks, p.next, ['USING']);
  k = ta.next;
  if (!isKw(toks[k], 'USING')) throw unexpected(toks[k], 'keyword USING');
  k++;
  let source;
  if (isOp(toks[k], '(')) {
    const close = matching(toks, k);
    source = '(' + tr.tr(k + 1, close) + ')';
    k = close + 1;
  } else {
    const sp = requirePath(toks, k);
    source = ctx.resolveTable(sp.parts, sp.tok);
    k = sp.next;
  }
  const sa = alias(toks, k, ['ON']);
  k = sa.next;
  if (!isKw(toks[k], 'ON')) throw unexpected(toks[k], 'keyword ON');
  const firstWhen = findTop(toks, k + 1, end, (t) => isKw(t, 'WHEN'));
  if (firstWhen < 0) throw unexpected(toks[end], 'keyword WHEN');
  const cond = tr.tr(k + 1, firstWhen);
  const clauses = [];
  let hasMatched = false;
  k = firstWhen;
  while (k < end) {
    if (!isKw(toks[k], 'WHEN')) throw unexpected(toks[k], 'keyword WHEN');
    let c = k + 1;
    let head;
    if (isKw(toks[c], 'MATCHED')) {
      head = 'WHEN MATCHED';
      hasMatched = true;
      c++;
    } else if (isKw(toks[c], 'NOT') && isKw(toks[c + 1], 'MATCHED')) {
      c += 2;
      head = 'WHEN NOT MATCHED';
      if (isKw(toks[c], 'BY') && isKw(toks[c + 1], 'TARGET')) c += 2;
      else if (isKw(toks[c], 'BY') && isKw(toks[c + 1], 'SOURCE')) {
        head = 'WHEN NOT MATCHED BY SOURCE';
        c += 2;
      }
    } else {
      throw unexpected(toks[c], 'MATCHED or NOT MATCHED');
    }
    const then = findTop(toks, c, end, (t) => isKw(t, 'THEN'));
    if (then < 0) throw unexpected(toks[end], 'keyword THEN');
    let text = head;
    if (isKw(toks[c], 'AND')) text += ' AND ' + tr.tr(c + 1, then);
    else if (then !== c) throw unexpected(toks[c], 'AND or THEN');
    let next = findTop(toks, then + 1, end, (t) => isKw(t, 'WHEN'));
    if (next < 0) next = end;
    const a = then + 1;
    const notMatched = head === 'WHEN NOT MATCHED';
    if (isKw(toks[a], 'UPDATE') && !notMatched) {
      if (!isKw(toks[a + 1], 'SET')) throw unexpected(toks[a + 1], 'keyword SET');
      text += ' THEN UPDATE SET ' + tr.assignments(a + 2, next);
    } else if (isKw(toks[a], 'DELETE') && !notMatched) {
      if (next !== a + 1) throw unexpected(toks[a + 1], 'WHEN');
      text += ' THEN DELETE';
    } else if (isKw(toks[a], 'INSERT') && notMatched) {
      let b = a + 1;
      if (isKw(toks[b], 'ROW')) {
        if (next !== b + 1) throw unexpected(toks[b + 1], 'WHEN');
        text += ' THEN INSERT';
      } else {
        let cols = '';
        if (isOp(toks[b], '(')) {
          const close = matching(toks, b);
          cols = ' (' + splitTop(toks, b + 1, close, ',').map(([s]) => T.quoteIdent(toks[s].v)).join(', ') + ')';
          b = close + 1;
        }
        if (!isKw(toks[b], 'VALUES') || !isOp(toks[b + 1], '(')) throw unexpected(toks[b], 'VALUES or ROW');
        const close = matching(toks, b + 1);
        if (close + 1 !== next) throw unexpected(toks[close + 1], 'WHEN');
        text += ` THEN INSERT${cols} VALUES (${tr.tr(b + 2, close)})`;
      }
    } else {
      throw unexpected(toks[a], notMatched ? 'INSERT' : 'UPDATE or DELETE');
    }
    clauses.push(text);
    k = next;
  }
  const tas = ta.name ? ` AS ${T.quoteIdent(ta.name)}` : '';
  const sas = sa.name ? ` AS ${T.quoteIdent(sa.name)}` : '';
  const sql = `MERGE INTO ${target}${tas} USING ${source}${sas} ON ${cond} ${clauses.join(' ')} RETURNING merge_action`;
  const rowOf = T.quoteIdent(ta.name || p.parts[p.parts.length - 1]);
  const mergeCheck = hasMatched
    ? `SELECT 1 FROM ${target}${tas} JOIN ${source}${sas} ON ${cond} GROUP BY ${rowOf}.rowid HAVING count(*) > 1 LIMIT 1`
    : null;
  return { kind: 'MERGE', sql, target: p, mutating: true, mergeCheck };
}

// ---------------------------------------------------------------- DDL

function parseOptions(toks, k) {
  // OPTIONS ( name = expr, ... ) -> [{name, range:[s,e]}], next
  if (!isOp(toks[k], '(')) throw unexpected(toks[k], '"("');
  const close = matching(toks, k);
  const opts = close === k + 1 ? [] : splitTop(toks, k + 1, close, ',').map(([s, e]) => {
    if (toks[s].t !== 'id' || !isOp(toks[s + 1], '=')) throw unexpected(toks[s], 'option = value');
    return { name: toks[s].v.toLowerCase(), range: [s + 2, e] };
  });
  return { opts, next: close + 1 };
}

function parseDdl(toks, kind) {
  const end = toks.length - 1;
  let k = 1;
  const d = { kind, orReplace: false, temp: false, ifNotExists: false, ifExists: false };
  if (isKw(toks[k], 'OR') && isKw(toks[k + 1], 'REPLACE')) {
    d.orReplace = true;
    k += 2;
  }
  if (isKw(toks[k], 'TEMP', 'TEMPORARY')) {
    d.temp = true;
    k++;
  }
  const obj = toks[k];
  k++;
  if (kind.startsWith('CREATE') && isKw(toks[k], 'IF') && isKw(toks[k + 1], 'NOT') && isKw(toks[k + 2], 'EXISTS')) {
    d.ifNotExists = true;
    k += 3;
  }
  if (!kind.startsWith('CREATE') && isKw(toks[k], 'IF') && isKw(toks[k + 1], 'EXISTS')) {
    d.ifExists = true;
    k += 2;
  }
  const p = requirePath(toks, k, isKw(obj, 'SCHEMA') ? 'dataset name' : 'table name');
  d.path = p;
  k = p.next;
  const objU = obj && obj.t === 'id' ? obj.u : '';
  if (objU === 'SCHEMA') {
    if (kind === 'CREATE_SCHEMA') {
      if (isKw(toks[k], 'DEFAULT') && isKw(toks[k + 1], 'COLLATE')) k += 3;
      if (isKw(toks[k], 'OPTIONS')) {
        const o = parseOptions(toks, k + 1);
        d.options = o.opts;
        k = o.next;
      }
    } else if (kind === 'DROP_SCHEMA') {
      if (isKw(toks[k], 'CASCADE')) {
        d.cascade = true;
        k++;
      } else if (isKw(toks[k], 'RESTRICT')) k++;
    } else {
      throw unsupported(`${kind.replace('_', ' ')}`, toks[0]);
    }
    if (k !== end) throw unexpected(toks[k], 'end of statement');
    return d;
  }
  if (objU !== 'TABLE') throw unsupported(`${toks[0].u} ${obj ? obj.raw : ''}`, obj);
  if (kind === 'DROP_TABLE') {
    if (k !== end) throw unexpected(toks[k], 'end of statement');
    return d;
  }
  if (kind === 'ALTER_TABLE') {
    d.actions = splitTop(toks, k, end, ',').map(([s, e]) => {
      if (isKw(toks[s], 'SET') && isKw(toks[s + 1], 'OPTIONS')) {
        const o = parseOptions(toks, s + 2);
        if (o.next !== e) throw unexpected(toks[o.next], 'end of statement');
        return { type: 'options', options: o.opts };
      }
      if (isKw(toks[s], 'ADD') && isKw(toks[s + 1], 'COLUMN')) {
        let c = s + 2;
        let ifNotExists = false;
        if (isKw(toks[c], 'IF') && isKw(toks[c + 1], 'NOT') && isKw(toks[c + 2], 'EXISTS')) {
          ifNotExists = true;
          c += 3;
        }
        const col = parseColumn(toks, c, e);
        return { type: 'add', col, ifNotExists };
      }
      throw unsupported(`ALTER TABLE ${toks[s].raw} ${toks[s + 1] ? toks[s + 1].raw : ''}`, toks[s]);
    });
    return d;
  }
  // CREATE TABLE
  if (isKw(toks[k], 'LIKE', 'COPY', 'CLONE')) throw unsupported(`CREATE TABLE ... ${toks[k].u}`, toks[k]);
  if (isOp(toks[k], '(')) {
    const close = matching(toks, k);
    d.columns = splitTop(toks, k + 1, close, ',').map(([s, e]) => {
      if (isKw(toks[s], 'PRIMARY', 'FOREIGN', 'CONSTRAINT')) throw unsupported('table constraints', toks[s]);
      return parseColumn(toks, s, e);
    });
    k = close + 1;
  }
  for (;;) {
    if (isKw(toks[k], 'DEFAULT') && isKw(toks[k + 1], 'COLLATE')) {
      k += 3;
    } else if (isKw(toks[k], 'PARTITION') && isKw(toks[k + 1], 'BY')) {
      const s = k + 2;
      const e = findTop(toks, s, end, (t) => isKw(t, 'CLUSTER', 'OPTIONS', 'AS'));
      d.partitionBy = [s, e < 0 ? end : e];
      k = e < 0 ? end : e;
    } else if (isKw(toks[k], 'CLUSTER') && isKw(toks[k + 1], 'BY')) {
      const s = k + 2;
      const e = findTop(toks, s, end, (t) => isKw(t, 'OPTIONS', 'AS'));
      const ce = e < 0 ? end : e;
      d.clusterBy = splitTop(toks, s, ce, ',').map(([a, b]) => {
        if (b !== a + 1 || (toks[a].t !== 'id' && toks[a].t !== 'qid')) throw invalidQuery(`Entries in the CLUSTER BY clause must be column names${at(toks[a])}`);
        return { name: toks[a].v, tok: toks[a] };
      });
      k = ce;
    } else if (isKw(toks[k], 'OPTIONS')) {
      const o = parseOptions(toks, k + 1);
      d.options = o.opts;
      k = o.next;
    } else if (isKw(toks[k], 'AS')) {
      d.asQuery = [k + 1, end];
      k = end;
    } else {
      break;
    }
  }
  if (k !== end) throw unexpected(toks[k], 'end of statement');
  if (!d.columns && !d.asQuery) throw invalidQuery(`Syntax error: CREATE TABLE needs a column list or AS query${at(toks[0])}`);
  return d;
}

function parseColumn(toks, s, e) {
  const name = toks[s];
  if (!name || (name.t !== 'id' && name.t !== 'qid')) throw unexpected(name, 'column name');
  const ty = T.parseTypeTokens(toks, s + 1);
  let k = ty.next;
  let mode = ty.type.t === 'ARRAY' ? 'REPEATED' : 'NULLABLE';
  let options = null;
  let dflt = null;
  while (k < e) {
    if (isKw(toks[k], 'NOT') && isKw(toks[k + 1], 'NULL')) {
      if (mode === 'REPEATED') throw invalidQuery(`NOT NULL cannot be applied to ARRAY column ${name.v}${at(toks[k])}`);
      mode = 'REQUIRED';
      k += 2;
    } else if (isKw(toks[k], 'OPTIONS')) {
      const o = parseOptions(toks, k + 1);
      options = o.opts;
      k = o.next;
    } else if (isKw(toks[k], 'DEFAULT')) {
      const stop = findTop(toks, k + 1, e, (t) => isKw(t, 'OPTIONS', 'NOT'));
      dflt = [k + 1, stop < 0 ? e : stop];
      k = stop < 0 ? e : stop;
    } else {
      throw unexpected(toks[k], `"," or ")" after column ${name.v}`);
    }
  }
  return { name: name.v, type: ty.type, mode, options, dflt, tok: name };
}

module.exports = {
  tokenize, parseScript, flatten, translateStatement, dmlTarget, statementKind, parsePath,
  Translator, isKw, isOp, sqlString, unsupported, unexpected, findTop, matching,
};
