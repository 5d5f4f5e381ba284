'use strict';
// JSON rows (load jobs, insertAll) checked against a table's columns the way
// BigQuery reads NEWLINE_DELIMITED_JSON, and normalized so that DuckDB's JSON
// -> STRUCT cast reads them exactly (INT64 as strings, TIMESTAMP as
// 'YYYY-MM-DD HH:MM:SS.ffffff+00').

const { microsToParts } = require('./types');

class RowError extends Error {
  constructor(message, field) {
    super(message);
    this.field = field;
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function describe(v) {
  if (typeof v === 'string') return `string_value: "${v}"`;
  if (typeof v === 'number') return `double_value: ${v}`;
  if (typeof v === 'boolean') return `bool_value: ${v}`;
  return JSON.stringify(v);
}

function validDate(y, m, d) {
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= dim && y >= 1 && y <= 9999;
}

const TS = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$/i;

// A TIMESTAMP/DATETIME text -> micros since the epoch (UTC), or null.
function parseTimestamp(s, withZone) {
  const m = TS.exec(s.trim());
  if (!m) return null;
  const [y, mo, d, H = '0', M = '0', S = '0'] = m.slice(1, 7).map((x) => (x === undefined ? '0' : x));
  const frac = m[7] || '';
  const zone = m[8];
  if (zone && !withZone) return null;
  const yi = +y;
  const moi = +mo;
  const di = +d;
  if (!validDate(yi, moi, di) || +H > 23 || +M > 59 || +S > 59) return null;
  const dt = new Date(0);
  dt.setUTCFullYear(yi, moi - 1, di);
  dt.setUTCHours(+H, +M, +S, 0);
  let micros = BigInt(dt.getTime()) * 1000n;
  micros += BigInt((frac + '000000').slice(0, 6));
  if (zone && !/^(Z|UTC)$/i.test(zone)) {
    const z = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone);
    const off = (BigInt(+z[2]) * 60n + BigInt(+(z[3] || 0))) * 60000000n;
    micros = z[1] === '+' ? micros - off : micros + off;
  }
  return micros;
}

function canonicalScalar(v, t, path) {
  const bad = (what) => new RowError(`Could not convert value '${describe(v)}' to ${what}. Field: ${path}; Value: ${typeof v === 'object' ? JSON.stringify(v) : v}`, path);
  if (typeof v === 'object' && t !== 'JSON') {
    throw new RowError(`${Array.isArray(v) ? 'Array' : 'JSON object'} specified for non-${Array.isArray(v) ? 'repeated' : 'record'} field: ${path}.`, path);
  }
  switch (t) {
    case 'STRING':
      return String(v);
    case 'INT64': {
      let s;
      if (typeof v === 'number' && Number.isInteger(v)) s = BigInt(v).toString();
      else if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) s = BigInt(v.trim()).toString();
      else throw bad('integer');
      const b = BigInt(s);
      if (b < INT64_MIN || b > INT64_MAX) throw bad('integer');
      return s;
    }
    case 'FLOAT64':
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim()) || /^([+-]?inf(inity)?|nan)$/i.test(v.trim()))) return v.trim();
      throw bad('double');
    case 'NUMERIC': case 'BIGNUMERIC':
      if (typeof v === 'number' || (typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim()))) return String(v).trim();
      throw bad('numeric');
    case 'BOOL':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
      throw bad('boolean');
    case 'DATE': {
      const m = typeof v === 'string' && /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(v.trim());
      if (!m || !validDate(+m[1], +m[2], +m[3])) {
        throw new RowError(`Could not parse '${v}' as DATE for field ${path} (position 0) starting at location 0  with message 'Unable to parse'`, path);
      }
      return `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
    }
    case 'TIMESTAMP': case 'DATETIME': {
      let micros = null;
      if (typeof v === 'number' && t === 'TIMESTAMP') micros = BigInt(Math.round(v * 1e6));
      else if (typeof v === 'string') micros = parseTimestamp(v, t === 'TIMESTAMP');
      if (micros === null) {
        throw new RowError(`Could not parse '${v}' as a ${t.toLowerCase()}. Required format is YYYY-MM-DD HH:MM[:SS[.SSSSSS]]${t === 'TIMESTAMP' ? ' or YYYY/MM/DD HH:MM[:SS[.SSSSSS]]' : ''}; Field: ${path}; Value: ${v}`, path);
      }
      const p = microsToParts(micros);
      return `${p.date} ${p.time}${t === 'TIMESTAMP' ? '+00' : ''}`;
    }
    case 'TIME': {
      const m = typeof v === 'string' && /^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/.exec(v.trim());
      if (!m || +m[1] > 23 || +m[2] > 59 || +(m[3] || 0) > 59) throw bad('time');
      return v.trim();
    }
    case 'BYTES': {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw bad('bytes');
      return Array.from(Buffer.from(v, 'base64')).map((b) => '\\x' + b.toString(16).padStart(2, '0')).join('');
    }
    case 'JSON':
      return v;
    default:
      throw new RowError(`Field ${path} has unsupported type ${t}`, path);
  }
}

// Normalize one value of column type `type` (mode: NULLABLE/REQUIRED/REPEATED).
function canonical(v, type, mode, path, opts) {
  if (v === null || v === undefined) {
    if (type.t === 'ARRAY') return [];
    if (mode === 'REQUIRED') throw new RowError(`Missing required field: ${path}.`, path);
    return null;
  }
  if (type.t === 'ARRAY') {
    if (!Array.isArray(v)) throw new RowError(`Array specified for repeated field ${path} is not an array.`, path);
    return v.map((x, k) => {
      if (x === null || x === undefined) throw new RowError(`Only optional fields can be set to NULL. Field: ${path}[${k}]; Value: NULL`, path);
      return canonical(x, type.element, 'NULLABLE', path, opts);
    });
  }
  if (type.t === 'STRUCT') {
    if (typeof v !== 'object' || Array.isArray(v)) throw new RowError(`JSON object specified for non-record field or non-object for record field: ${path}.`, path);
    return canonicalObject(v, type.fields, path + '.', opts);
  }
  return canonicalScalar(v, type.t, path);
}

// fields: [{name, type, mode}].  Unknown keys fail unless ignoreUnknownValues.
function canonicalObject(obj, fields, prefix, opts) {
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const out = {};
  for (const key of Object.keys(obj)) {
    if (!byName.has(key.toLowerCase()) && !(opts && opts.ignoreUnknownValues)) {
      throw new RowError(`No such field: ${prefix}${key}.`, prefix + key);
    }
  }
  const lower = new Map(Object.keys(obj).map((k) => [k.toLowerCase(), obj[k]]));
  for (const f of fields) out[f.name] = canonical(lower.get(f.name.toLowerCase()), f.type, f.mode, prefix + f.name, opts);
  return out;
}

module.exports = { RowError, canonicalObject, parseTimestamp };
