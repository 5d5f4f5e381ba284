'use strict';
// BigQuery types: their names (GoogleSQL and the REST API's legacy names),
// their DuckDB counterparts, and the REST form of values (f/v cells, every
// scalar a string).
//
// A type is { t: 'STRING'|'INT64'|'FLOAT64'|'BOOL'|'NUMERIC'|'BIGNUMERIC'|
// 'BYTES'|'DATE'|'DATETIME'|'TIME'|'TIMESTAMP'|'JSON'|'INTERVAL'|'ARRAY'|
// 'STRUCT', element (ARRAY), fields: [{name, type}] (STRUCT) }.

const { DuckDBTypeId } = require('@duckdb/node-api');
const { BqError, invalidQuery } = require('./errors');

const ALIASES = {
  STRING: 'STRING', BYTES: 'BYTES',
  INT64: 'INT64', INTEGER: 'INT64', INT: 'INT64', SMALLINT: 'INT64', BIGINT: 'INT64',
  TINYINT: 'INT64', BYTEINT: 'INT64',
  FLOAT64: 'FLOAT64', FLOAT: 'FLOAT64',
  NUMERIC: 'NUMERIC', DECIMAL: 'NUMERIC', BIGNUMERIC: 'BIGNUMERIC', BIGDECIMAL: 'BIGNUMERIC',
  BOOL: 'BOOL', BOOLEAN: 'BOOL',
  DATE: 'DATE', DATETIME: 'DATETIME', TIME: 'TIME', TIMESTAMP: 'TIMESTAMP',
  JSON: 'JSON', INTERVAL: 'INTERVAL',
  STRUCT: 'STRUCT', RECORD: 'STRUCT', ARRAY: 'ARRAY',
};

const LEGACY = {
  STRING: 'STRING', BYTES: 'BYTES', INT64: 'INTEGER', FLOAT64: 'FLOAT', NUMERIC: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC', BOOL: 'BOOLEAN', DATE: 'DATE', DATETIME: 'DATETIME', TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP', JSON: 'JSON', INTERVAL: 'INTERVAL', STRUCT: 'RECORD',
};

const DUCK = {
  STRING: 'VARCHAR', BYTES: 'BLOB', INT64: 'BIGINT', FLOAT64: 'DOUBLE', NUMERIC: 'DECIMAL(38,9)',
  BIGNUMERIC: 'DECIMAL(38,18)', BOOL: 'BOOLEAN', DATE: 'DATE', DATETIME: 'TIMESTAMP', TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMPTZ', JSON: 'JSON', INTERVAL: 'INTERVAL',
};

function canonicalName(name) {
  return ALIASES[String(name).toUpperCase()];
}

function scalar(t) {
  return { t };
}

function quoteIdent(name) {
  return '"' + String(name).replace(/"/g, '""') + '"';
}

function duckType(type) {
  if (type.t === 'ARRAY') return duckType(type.element) + '[]';
  if (type.t === 'STRUCT') {
    return 'STRUCT(' + type.fields.map((f, i) =>
      quoteIdent(f.name || `_field_${i + 1}`) + ' ' + duckType(f.type)).join(', ') + ')';
  }
  return DUCK[type.t];
}

function typeName(type) {
  if (type.t === 'ARRAY') return `ARRAY<${typeName(type.element)}>`;
  if (type.t === 'STRUCT') {
    return 'STRUCT<' + type.fields.map((f) => (f.name ? f.name + ' ' : '') + typeName(f.type)).join(', ') + '>';
  }
  return type.t;
}

// A REST schema field list -> STRUCT-like field types; validates names/types.
function typeOfField(field, where) {
  if (!field || typeof field.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(field.name)) {
    throw new BqError('invalid',
      `Invalid field name "${field && field.name}". Fields must contain only letters, numbers, and underscores, start with a letter or underscore, and be at most 300 characters long.`);
  }
  const t = canonicalName(field.type || '');
  if (!t || t === 'ARRAY') {
    throw new BqError('invalid', `Invalid value for type: ${field.type} is not a valid value${where ? ' in ' + where : ''}`);
  }
  let type;
  if (t === 'STRUCT') {
    if (!Array.isArray(field.fields) || field.fields.length === 0) {
      throw new BqError('invalid', `Field ${field.name} is type RECORD but has no schema`);
    }
    type = { t: 'STRUCT', fields: field.fields.map((f) => ({ name: f.name, type: typeOfField(f, where), mode: modeOf(f) })) };
  } else {
    type = scalar(t);
  }
  if (modeOf(field) === 'REPEATED') type = { t: 'ARRAY', element: type };
  return type;
}

function modeOf(field) {
  const m = String(field.mode || 'NULLABLE').toUpperCase();
  if (!['NULLABLE', 'REQUIRED', 'REPEATED'].includes(m)) {
    throw new BqError('invalid', `Invalid value for mode: ${field.mode} is not a valid value`);
  }
  return m;
}

// A type -> REST schema field (legacy type names, arrays as REPEATED).
function fieldOf(name, type, mode) {
  let m = mode || 'NULLABLE';
  let t = type;
  if (t.t === 'ARRAY') {
    m = 'REPEATED';
    t = t.element;
  }
  const f = { name, type: LEGACY[t.t] || t.t, mode: m };
  if (t.t === 'STRUCT') f.fields = t.fields.map((x, i) => fieldOf(x.name || `_field_${i + 1}`, x.type, x.mode));
  return f;
}

// Schema fields -> [{name, type, mode}] with parsed types.
function columnsOfFields(fields, where) {
  if (!Array.isArray(fields)) throw new BqError('invalid', 'Schema has no fields');
  const seen = new Set();
  return fields.map((f) => {
    const type = typeOfField(f, where);
    const key = String(f.name).toLowerCase();
    if (seen.has(key)) throw new BqError('invalid', `Duplicate column names in the schema: ${f.name}`);
    seen.add(key);
    return { name: f.name, type, mode: modeOf(f) };
  });
}

// A DuckDB result type -> BigQuery type.
function typeOfDuck(dt) {
  switch (dt.typeId) {
    case DuckDBTypeId.BOOLEAN: return scalar('BOOL');
    case DuckDBTypeId.TINYINT: case DuckDBTypeId.SMALLINT: case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT: case DuckDBTypeId.HUGEINT: case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT: case DuckDBTypeId.UINTEGER: case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT: case DuckDBTypeId.SQLNULL:
      return scalar('INT64');
    case DuckDBTypeId.FLOAT: case DuckDBTypeId.DOUBLE: return scalar('FLOAT64');
    case DuckDBTypeId.DECIMAL:
      if (dt.width === 38 && dt.scale === 9) return scalar('NUMERIC');
      if (dt.width === 38 && dt.scale === 18) return scalar('BIGNUMERIC');
      return scalar('FLOAT64');
    case DuckDBTypeId.VARCHAR: return scalar(dt.alias === 'JSON' ? 'JSON' : 'STRING');
    case DuckDBTypeId.BLOB: return scalar('BYTES');
    case DuckDBTypeId.DATE: return scalar('DATE');
    case DuckDBTypeId.TIME: return scalar('TIME');
    case DuckDBTypeId.TIMESTAMP: case DuckDBTypeId.TIMESTAMP_S: case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return scalar('DATETIME');
    case DuckDBTypeId.TIMESTAMP_TZ: return scalar('TIMESTAMP');
    case DuckDBTypeId.INTERVAL: return scalar('INTERVAL');
    case DuckDBTypeId.LIST: case DuckDBTypeId.ARRAY:
      return { t: 'ARRAY', element: typeOfDuck(dt.valueType) };
    case DuckDBTypeId.STRUCT:
      return { t: 'STRUCT', fields: dt.entryNames.map((n, i) => ({ name: n, type: typeOfDuck(dt.entryTypes[i]) })) };
    default:
      return scalar('STRING');
  }
}

// Java's Double.toString, which is how BigQuery prints FLOAT64 and TIMESTAMP.
function javaDouble(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e7) {
    let s = String(x);
    if (!/[.e]/.test(s)) s += '.0';
    return s;
  }
  let [m, e] = x.toExponential().split('e');
  if (!m.includes('.')) m += '.0';
  return m + 'E' + (e[0] === '+' ? e.slice(1) : e);
}

function pad(n, w) {
  return String(n).padStart(w, '0');
}

function trimNumeric(s) {
  if (!s.includes('.')) return s;
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

function microsToParts(micros) {
  let m = BigInt(micros);
  let days = m / 86400000000n;
  let rem = m % 86400000000n;
  if (rem < 0n) {
    rem += 86400000000n;
    days -= 1n;
  }
  const d = new Date(Number(days) * 86400000);
  const us = Number(rem);
  const secs = Math.floor(us / 1e6);
  const frac = us % 1e6;
  return {
    date: `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`,
    time: `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}` +
      (frac ? '.' + pad(frac, 6).replace(/0+$/, '') : ''),
  };
}

// One value of DuckDB type dt -> the `v` of a REST cell.
function cellValue(value, dt, opts) {
  if (value === null || value === undefined) {
    if (dt.typeId === DuckDBTypeId.LIST || dt.typeId === DuckDBTypeId.ARRAY) return [];
    return null;
  }
  switch (dt.typeId) {
    case DuckDBTypeId.BOOLEAN: return value ? 'true' : 'false';
    case DuckDBTypeId.FLOAT: case DuckDBTypeId.DOUBLE: return javaDouble(value);
    case DuckDBTypeId.DECIMAL: {
      const s = trimNumeric(value.toString());
      const t = typeOfDuck(dt).t;
      return t === 'FLOAT64' ? javaDouble(Number(s)) : s;
    }
    case DuckDBTypeId.VARCHAR: return String(value);
    case DuckDBTypeId.BLOB: return Buffer.from(value.bytes).toString('base64');
    case DuckDBTypeId.DATE: return value.toString();
    case DuckDBTypeId.TIMESTAMP_TZ: {
      if (opts && opts.useInt64Timestamp) return String(value.micros);
      return javaDouble(Number(value.micros) / 1e6);
    }
    case DuckDBTypeId.TIMESTAMP: {
      const p = microsToParts(value.micros);
      return `${p.date}T${p.time}`;
    }
    case DuckDBTypeId.TIME: {
      const p = microsToParts(value.micros);
      return p.time;
    }
    case DuckDBTypeId.LIST: case DuckDBTypeId.ARRAY:
      return value.items.map((x) => ({ v: cellValue(x, dt.valueType, opts) }));
    case DuckDBTypeId.STRUCT:
      return { f: dt.entryTypes.map((et, i) => ({ v: cellValue(value.entries[dt.entryNames[i]], et, opts) })) };
    default:
      return value.toString();
  }
}

function rowCells(row, types, opts) {
  return { f: row.map((v, i) => ({ v: cellValue(v, types[i], opts) })) };
}

// Parse a type from tokens (see sql.js) at index i: returns {type, next}.
function parseTypeTokens(toks, i, where) {
  const tok = toks[i];
  if (!tok || (tok.t !== 'id' && tok.t !== 'qid')) throw syntax(tok, 'Expected type name', where);
  const name = canonicalName(tok.v);
  if (!name) throw invalidQuery(`Type not found: ${tok.v}${at(tok)}`);
  i++;
  if (name === 'ARRAY') {
    expectOp(toks, i, '<', where);
    const inner = parseTypeTokens(toks, i + 1, where);
    if (inner.type.t === 'ARRAY') throw invalidQuery(`Arrays of arrays are not supported${at(tok)}`);
    i = expectOp(toks, inner.next, '>', where);
    return { type: { t: 'ARRAY', element: inner.type }, next: i };
  }
  if (name === 'STRUCT') {
    i = expectOp(toks, i, '<', where);
    const fields = [];
    for (;;) {
      let fname = null;
      const t0 = toks[i];
      const t1 = toks[i + 1];
      if (t0 && (t0.t === 'id' || t0.t === 'qid') && t1 && (t1.t === 'id' || t1.t === 'qid')) {
        fname = t0.v;
        i++;
      }
      const ft = parseTypeTokens(toks, i, where);
      fields.push({ name: fname, type: ft.type });
      i = ft.next;
      if (toks[i] && toks[i].t === 'op' && toks[i].v === ',') {
        i++;
        continue;
      }
      i = expectOp(toks, i, '>', where);
      break;
    }
    return { type: { t: 'STRUCT', fields }, next: i };
  }
  // Parameterized types: STRING(10), NUMERIC(10, 2): accepted, parameters ignored.
  if (toks[i] && toks[i].t === 'op' && toks[i].v === '(' && ['STRING', 'BYTES', 'NUMERIC', 'BIGNUMERIC'].includes(name)) {
    while (toks[i] && !(toks[i].t === 'op' && toks[i].v === ')')) i++;
    i++;
  }
  return { type: scalar(name), next: i };
}

function at(tok) {
  return tok && tok.line ? ` at [${tok.line}:${tok.col}]` : '';
}

function syntax(tok, what, where) {
  const got = !tok || tok.t === 'eof' ? 'end of input' : `"${tok.raw || tok.v}"`;
  return invalidQuery(`Syntax error: ${what} but got ${got}${where ? ' in ' + where : ''}${at(tok)}`);
}

function expectOp(toks, i, op, where) {
  const tok = toks[i];
  if (!tok || tok.t !== 'op' || tok.v !== op) throw syntax(tok, `Expected "${op}"`, where);
  return i + 1;
}

module.exports = {
  canonicalName, duckType, typeName, typeOfField, columnsOfFields, fieldOf, typeOfDuck,
  cellValue, rowCells, javaDouble, parseTypeTokens, quoteIdent, microsToParts, LEGACY, scalar, at, syntax,
};
