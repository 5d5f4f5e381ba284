'use strict';
// Bytes processed, as BigQuery bills them on demand, from a resolved
// ZetaSQL statement (prune_unused_columns: each table scan lists only the
// columns the statement reads) and the rows stored in DuckDB.
//
// - A scan reads its columns over the partitions its filters leave: a
//   table partitioned by timePartitioning on a DATE column (DAY, MONTH,
//   YEAR) is pruned by the conjuncts of the filters above the scan (WHERE,
//   a join's ON, a DELETE/UPDATE WHERE, a MERGE ON, a subquery's own WHERE)
//   that compare the partition column with a constant: a literal, a query
//   parameter or a script variable (their values are known), or a CAST of
//   one, with =, <, <=, >, >=, BETWEEN or IN.  Anything else reads every
//   partition (the NULL partition included).
// - Sizes follow BigQuery's data size rules: NULL 0; INT64, FLOAT64, DATE,
//   DATETIME, TIME, TIMESTAMP 8; BOOL 1; NUMERIC 16; BIGNUMERIC 32;
//   INTERVAL 16; GEOGRAPHY 16 (vertices are not counted); STRING and BYTES
//   2 + their length in bytes (UTF-8); JSON its text's length; an ARRAY the
//   sum of its elements; a STRUCT the sum of its fields.
// - A table scanned twice in one statement counts once: its columns united,
//   over the union of the partitions the scans read.
// - DML (BigQuery's "DML pricing"): q' = the bytes of the columns the
//   statement reads, in the partitions it scans; t' = every column of the
//   target's partitions the statement touches (those its filter leaves).
//   INSERT: q'; UPDATE, DELETE: q' + t'; MERGE: q' + t' when it has an
//   UPDATE or DELETE clause, else q'.  TRUNCATE and DDL: 0 (CREATE TABLE AS
//   SELECT: its query's).

const T = require('./types');

const FIXED = { INT64: 8, FLOAT64: 8, DATE: 8, DATETIME: 8, TIME: 8, TIMESTAMP: 8, BOOL: 1, NUMERIC: 16, BIGNUMERIC: 32, INTERVAL: 16, GEOGRAPHY: 16 };

// DuckDB SQL for the size in bytes of value e of BigQuery type `type`.
function sizeSql(e, type, depth = 0) {
  if (FIXED[type.t]) return `(CASE WHEN ${e} IS NULL THEN 0 ELSE ${FIXED[type.t]} END)`;
  switch (type.t) {
    case 'STRING': return `(CASE WHEN ${e} IS NULL THEN 0 ELSE 2 + strlen(${e}) END)`;
    case 'BYTES': return `(CASE WHEN ${e} IS NULL THEN 0 ELSE 2 + octet_length(${e}) END)`;
    case 'JSON': return `COALESCE(strlen(CAST(${e} AS VARCHAR)), 0)`;
    case 'ARRAY': {
      if (FIXED[type.element.t]) return `(COALESCE(len(${e}), 0) * ${FIXED[type.element.t]})`;
      const x = `x${depth}`;
      return `COALESCE(list_sum(list_transform(${e}, lambda ${x}: ${sizeSql(x, type.element, depth + 1)})), 0)`;
    }
    case 'STRUCT': {
      const parts = type.fields.map((f, i) => sizeSql(`struct_extract(${e}, '${(f.name || `_field_${i + 1}`).replace(/'/g, "''")}')`, f.type, depth + 1));
      return `(CASE WHEN ${e} IS NULL THEN 0 ELSE ${parts.length ? parts.join(' + ') : '0'} END)`;
    }
    default: return `COALESCE(strlen(CAST(${e} AS VARCHAR)), 0)`;
  }
}

// ------------------------------------------------------------- the AST

// {kind, node}: the innermost node of a oneof wrapper chain.
function inner(o) {
  let kind = null;
  while (o && typeof o === 'object' && typeof o.node === 'string' && o[o.node]) {
    kind = o.node;
    o = o[o.node];
  }
  return { kind, node: o };
}

function fnCall(expr) {
  const { kind, node } = inner(expr);
  if (kind !== 'resolved_function_call_node' || !node.parent || !node.parent.function) return null;
  return { name: String(node.parent.function.name).replace(/^ZetaSQL:/, ''), args: node.parent.argument_list || [] };
}

// The conjuncts of a boolean expression (AND flattened).
function conjuncts(expr) {
  if (!expr) return [];
  const f = fnCall(expr);
  if (f && f.name === '$and') return f.args.flatMap(conjuncts);
  return [expr];
}

function columnId(expr) {
  const { kind, node } = inner(expr);
  return kind === 'resolved_column_ref_node' && node.column ? String(node.column.column_id) : null;
}

function toDays(v) {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === null) return null;
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(String(v).trim());
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86400000 : undefined;
}

// The value of a constant expression as a day number, null for NULL, undefined when unknown.
function constDays(expr, vctx) {
  const { kind, node } = inner(expr);
  switch (kind) {
    case 'resolved_literal_node': {
      const v = node.value && node.value.value;
      if (!v || !v.value) return null;
      if (v.value === 'date_value') return Number(v.date_value);
      if (v.value === 'string_value') return toDays(v.string_value);
      return undefined;
    }
    case 'resolved_parameter_node': {
      const key = node.name ? String(node.name).toLowerCase() : vctx.posOffset + Number(node.position);
      const v = vctx.param(key);
      return v === undefined ? undefined : toDays(v);
    }
    case 'resolved_constant_node': {
      const v = vctx.variable(node.constant && node.constant.name);
      return v === undefined ? undefined : toDays(v === null ? null : String(v));
    }
    case 'resolved_cast_node': {
      const k = node.parent && node.parent.type && node.parent.type.type_kind;
      if (k !== 'TYPE_DATE' && k !== 'TYPE_STRING') return undefined;
      return constDays(node.expr, vctx);
    }
    default: return undefined;
  }
}

const FLIP = { $less: '$greater', $less_or_equal: '$greater_or_equal', $greater: '$less', $greater_or_equal: '$less_or_equal', $equal: '$equal' };

// What the conjuncts allow of the column colId: {pruned, empty, lo, hi, set}.
function rangeOf(conj, colId, vctx) {
  const r = { pruned: false, empty: false, lo: -Infinity, hi: Infinity, set: null };
  const bound = (op, v) => {
    r.pruned = true;
    if (v === null) {
      r.empty = true;
      return;
    }
    if (op === '$equal') { r.lo = Math.max(r.lo, v); r.hi = Math.min(r.hi, v); }
    if (op === '$less') r.hi = Math.min(r.hi, v - 1);
    if (op === '$less_or_equal') r.hi = Math.min(r.hi, v);
    if (op === '$greater') r.lo = Math.max(r.lo, v + 1);
    if (op === '$greater_or_equal') r.lo = Math.max(r.lo, v);
  };
  for (const c of conj) {
    const f = fnCall(c);
    if (!f) continue;
    if (FLIP[f.name] && f.args.length === 2) {
      const [a, b] = f.args;
      if (columnId(a) === colId) {
        const v = constDays(b, vctx);
        if (v !== undefined) bound(f.name, v);
      } else if (columnId(b) === colId) {
        const v = constDays(a, vctx);
        if (v !== undefined) bound(FLIP[f.name], v);
      }
    } else if (f.name === '$between' && f.args.length === 3 && columnId(f.args[0]) === colId) {
      const lo = constDays(f.args[1], vctx);
      const hi = constDays(f.args[2], vctx);
      if (lo !== undefined && hi !== undefined) {
        bound('$greater_or_equal', lo);
        bound('$less_or_equal', hi);
      }
    } else if (f.name === '$in' && columnId(f.args[0]) === colId) {
      const vs = f.args.slice(1).map((a) => constDays(a, vctx));
      if (vs.every((v) => v !== undefined)) {
        r.pruned = true;
        const s = new Set(vs.filter((v) => v !== null));
        r.set = r.set ? new Set([...r.set].filter((v) => s.has(v))) : s;
      }
    }
  }
  if (r.lo > r.hi || (r.set && [...r.set].every((v) => v < r.lo || v > r.hi))) r.empty = true;
  return r;
}

// Every table scan of a resolved statement or expression: {ref, cols, conj, target, access}.
function collectScans(root) {
  const scans = [];
  let target = null;
  let mutating = false;
  const scan = (ts, conj, extra) => {
    if (!ts || !ts.table) return;
    const cols = (ts.parent && ts.parent.column_list) || [];
    const idx = (ts.column_index_list || []).map(Number);
    const s = Object.assign({ id: Number(ts.table.serialization_id), cols, idx, conj }, extra || {});
    scans.push(s);
    return s;
  };
  const walk = (o, conj) => {
    if (!o || typeof o !== 'object') return;
    if (Array.isArray(o)) {
      for (const x of o) walk(x, []);
      return;
    }
    if (o.resolved_table_scan_node) {
      scan(o.resolved_table_scan_node, conj);
      return;
    }
    if (o.resolved_filter_scan_node) {
      const f = o.resolved_filter_scan_node;
      walk(f.input_scan, conj.concat(conjuncts(f.filter_expr)));
      walk(f.filter_expr, []);
      return;
    }
    if (o.resolved_join_scan_node) {
      const j = o.resolved_join_scan_node;
      const on = conjuncts(j.join_expr);
      const type = j.join_type || 'INNER';
      walk(j.left_scan, type === 'INNER' || type === 'RIGHT' ? conj.concat(on) : conj);
      walk(j.right_scan, type === 'INNER' || type === 'LEFT' ? conj.concat(on) : conj);
      walk(j.join_expr, []);
      return;
    }
    for (const k of ['resolved_project_scan_node', 'resolved_order_by_scan_node']) {
      if (o[k]) {
        const p = o[k];
        walk(p.input_scan, conj);
        for (const [key, v] of Object.entries(p)) if (key !== 'input_scan') walk(v, []);
        return;
      }
    }
    if (o.resolved_delete_stmt_node || o.resolved_update_stmt_node) {
      const d = o.resolved_delete_stmt_node || o.resolved_update_stmt_node;
      const w = conjuncts(d.where_expr);
      target = scan(d.table_scan, w, { target: true, access: d.column_access_list });
      mutating = true;
      if (d.from_scan) walk(d.from_scan, w);
      for (const [key, v] of Object.entries(d)) if (key !== 'table_scan' && key !== 'from_scan') walk(v, []);
      return;
    }
    if (o.resolved_merge_stmt_node) {
      const m = o.resolved_merge_stmt_node;
      const on = conjuncts(m.merge_expr);
      // WHEN NOT MATCHED BY SOURCE acts on exactly the target rows the ON condition does not
      // match, so ON cannot prune the target then: it reads the union of the partitions ON
      // leaves and those each such clause's own condition leaves; an unconditional one, all.
      const nmbs = (m.when_clause_list || []).filter((w) => w.match_type === 'NOT_MATCHED_BY_SOURCE');
      const alts = nmbs.length === 0 ? null
        : nmbs.some((w) => !w.match_expr) ? [[]] : [on].concat(nmbs.map((w) => conjuncts(w.match_expr)));
      target = scan(m.table_scan, on, { target: true, access: m.column_access_list, alts });
      mutating = (m.when_clause_list || []).some((w) => w.action_type === 'UPDATE' || w.action_type === 'DELETE');
      walk(m.from_scan, on);
      for (const [key, v] of Object.entries(m)) if (key !== 'table_scan' && key !== 'from_scan') walk(v, []);
      return;
    }
    if (o.resolved_insert_stmt_node) {
      const i = o.resolved_insert_stmt_node;
      for (const [key, v] of Object.entries(i)) if (key !== 'table_scan') walk(v, []);
      return;
    }
    if (o.resolved_truncate_stmt_node) return;
    for (const v of Object.values(o)) if (v && typeof v === 'object') walk(v, []);
  };
  walk(root, []);
  return { scans, target, mutating };
}

// ------------------------------------------------------------- sizes

function days2date(d) {
  return new Date(d * 86400000).toISOString().slice(0, 10);
}

// The table behind a catalog ref: {sql, columns, partition: {field, type}|null} or null (no data).
function tableOf(emu, ref) {
  if (ref.tbl) {
    const tbl = ref.tbl;
    const { duckTable } = require('./engine');
    const tp = tbl.timePartitioning;
    const col = tp && tp.field ? tbl.columns.find((c) => c.name.toLowerCase() === tp.field.toLowerCase()) : null;
    return {
      sql: duckTable(tbl.projectId, tbl.datasetId, tbl.tableId), columns: tbl.columns,
      partition: col && col.type.t === 'DATE' && ['DAY', 'MONTH', 'YEAR'].includes(tp.type) ? { field: col.name, unit: tp.type } : null,
    };
  }
  if (ref.temp) return { sql: T.quoteIdent(ref.temp), columns: ref.columns, partition: null, temp: true };
  return null;
}

// A DuckDB predicate selecting the partitions a scan reads ('TRUE' for all, null for none).
function partitionSql(tab, s, vctx) {
  if (!tab.partition) return 'TRUE';
  const field = tab.partition.field.toLowerCase();
  const c = s.cols.find((x) => String(x.name).toLowerCase() === field);
  if (!c) return 'TRUE';
  const r = rangeOf(s.conj, String(c.column_id), vctx);
  if (!r.pruned) return 'TRUE';
  if (r.empty) return null;
  const col = T.quoteIdent(tab.partition.field);
  const pk = (e) => (tab.partition.unit === 'DAY' ? e : `date_trunc('${tab.partition.unit.toLowerCase()}', ${e})`);
  if (r.set) {
    const vals = [...r.set].filter((v) => v >= r.lo && v <= r.hi).map((v) => pk(`DATE '${days2date(v)}'`));
    return vals.length ? `${pk(col)} IN (${vals.join(', ')})` : null;
  }
  const conds = [`${col} IS NOT NULL`];
  if (r.lo !== -Infinity) conds.push(`${pk(col)} >= ${pk(`DATE '${days2date(r.lo)}'`)}`);
  if (r.hi !== Infinity) conds.push(`${pk(col)} <= ${pk(`DATE '${days2date(r.hi)}'`)}`);
  return conds.join(' AND ');
}

// The partitions any of several predicates selects ('TRUE', null for none, or an OR).
function anyOf(preds) {
  if (preds.includes('TRUE')) return 'TRUE';
  const live = preds.filter((p) => p !== null);
  return live.length === 0 ? null : live.map((p) => `(${p})`).join(' OR ');
}

async function sumSizes(conn, tab, columns, preds) {
  const live = preds.filter((p) => p !== null);
  if (columns.length === 0 || live.length === 0) return 0;
  const where = live.includes('TRUE') ? 'TRUE' : live.map((p) => `(${p})`).join(' OR ');
  const sizes = columns.map((c) => sizeSql(T.quoteIdent(c.name), c.type));
  const r = await conn.runAndReadAll(`SELECT CAST(COALESCE(SUM(${sizes.join(' + ')}), 0) AS BIGINT) FROM ${tab.sql} WHERE ${where}`);
  return Number(r.getRows()[0][0]);
}

async function withConn(emu, conn, fn) {
  if (conn) return fn(conn);
  const c = await emu.instance.connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
  }
}

// The bytes one resolved statement (or expression) processes.
async function scanBytes(emu, root, refs, vctx, conn) {
  const { scans, target, mutating } = collectScans(root);
  if (scans.length === 0) return 0;
  return withConn(emu, conn, async (c) => {
    const byTable = new Map();
    for (const s of scans) {
      const ref = refs[s.id - 1];
      const tab = ref && tableOf(emu, ref);
      if (!tab || (tab.temp && !conn)) continue;
      let cols = s.idx.map((i) => tab.columns[i]).filter(Boolean);
      if (s.target && Array.isArray(s.access) && s.access.length === cols.length) {
        cols = cols.filter((_, k) => /READ/.test(String(s.access[k])));
      }
      const pred = s.alts ? anyOf(s.alts.map((conj) => partitionSql(tab, Object.assign({}, s, { conj }), vctx)))
        : partitionSql(tab, s, vctx);
      let g = byTable.get(s.id);
      if (!g) byTable.set(s.id, g = { tab, cols: new Map(), preds: [] });
      for (const col of cols) g.cols.set(col.name, col);
      if (cols.length) g.preds.push(pred);
      if (s.target) g.targetPred = pred;
    }
    let total = 0;
    for (const g of byTable.values()) {
      total += await sumSizes(c, g.tab, [...g.cols.values()], g.preds);
      if (mutating && target && refs[target.id - 1] && g === byTable.get(target.id)) {
        total += await sumSizes(c, g.tab, g.tab.columns, [g.targetPred]);
      }
    }
    return total;
  });
}

function statementBytes(emu, stmt, refs, vctx, conn) {
  return stmt ? scanBytes(emu, stmt, refs, vctx, conn) : 0;
}

function expressionBytes(emu, expr, refs, vctx, conn) {
  return expr ? scanBytes(emu, expr, refs, vctx, conn) : 0;
}

module.exports = { statementBytes, expressionBytes, sizeSql, collectScans, rangeOf };
