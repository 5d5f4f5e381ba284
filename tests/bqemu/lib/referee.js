'use strict';
// The referee: every job's SQL goes through ZetaSQL (Google's GoogleSQL front
// end, the one BigQuery's own analyzer is built on) before DuckDB runs it.
//
// A job's text is parsed whole as a script first (a syntax error anywhere
// refuses the job before anything runs); then each statement is analyzed just
// before the interpreter runs it, against a catalog of the live datasets and
// tables, the job's temp tables, its script variables (catalog constants:
// a column of the same name wins, as in BigQuery), its query parameters and
// BigQuery's system variables.  Script expressions (IF conditions, SET,
// DECLARE defaults, RAISE messages, ASSERT) are analyzed as expressions at
// their place in the text.  What ZetaSQL refuses is answered as BigQuery
// does: invalidQuery with ZetaSQL's message and the position "at [L:C]"
// within the whole job text.  The resolved statements also give the bytes a
// job processes (bytes.js).  --sql-log appends one NDJSON line per job text.

const fs = require('fs');
const crypto = require('crypto');
const { BqError, invalidQuery } = require('./errors');
const T = require('./types');
const B = require('./bytes');
const { ZetaSql } = require('./zetasql');

// ------------------------------------------------------------- language
// BigQuery's language, not ZetaSQL's maximum (README.md says why for each).
const FEATURES = [
  // queries
  'FEATURE_ANALYTIC_FUNCTIONS',
  'FEATURE_V_1_1_SELECT_STAR_EXCEPT_REPLACE',
  'FEATURE_V_1_1_WITH_ON_SUBQUERY',
  'FEATURE_V_1_3_WITH_RECURSIVE',
  'FEATURE_V_1_1_ORDER_BY_IN_AGGREGATE',
  'FEATURE_V_1_1_LIMIT_IN_AGGREGATE',
  'FEATURE_V_1_1_HAVING_IN_AGGREGATE',
  'FEATURE_V_1_1_NULL_HANDLING_MODIFIER_IN_AGGREGATE',
  'FEATURE_V_1_1_NULL_HANDLING_MODIFIER_IN_ANALYTIC',
  'FEATURE_V_1_1_ORDER_BY_COLLATE',
  'FEATURE_V_1_1_FOR_SYSTEM_TIME_AS_OF',
  'FEATURE_V_1_3_QUALIFY',
  'FEATURE_V_1_3_IS_DISTINCT',
  'FEATURE_V_1_3_NULLS_FIRST_LAST_IN_ORDER_BY',
  'FEATURE_V_1_3_PIVOT',
  'FEATURE_V_1_3_UNPIVOT',
  'FEATURE_GROUP_BY_ROLLUP',
  'FEATURE_V_1_4_GROUPING_SETS',
  'FEATURE_V_1_4_GROUPING_BUILTIN',
  'FEATURE_TABLESAMPLE',
  'FEATURE_V_1_4_BARE_ARRAY_ACCESS',
  'FEATURE_V_1_3_LIKE_ANY_SOME_ALL',
  'FEATURE_V_1_3_ALLOW_DASHES_IN_TABLE_NAME',
  'FEATURE_TABLE_VALUED_FUNCTIONS',
  'FEATURE_NAMED_ARGUMENTS',
  'FEATURE_V_1_2_SAFE_FUNCTION_CALL',
  // types
  'FEATURE_NUMERIC_TYPE',
  'FEATURE_BIGNUMERIC_TYPE',
  'FEATURE_V_1_3_DECIMAL_ALIAS',
  'FEATURE_PARAMETERIZED_TYPES',
  'FEATURE_V_1_2_CIVIL_TIME',
  'FEATURE_JSON_TYPE',
  'FEATURE_INTERVAL_TYPE',
  'FEATURE_GEOGRAPHY',
  'FEATURE_RANGE_TYPE',
  // functions
  'FEATURE_V_1_3_ADDITIONAL_STRING_FUNCTIONS',
  'FEATURE_V_1_3_DATE_TIME_CONSTRUCTORS',
  'FEATURE_V_1_3_DATE_ARITHMETICS',
  'FEATURE_V_1_3_EXTENDED_DATE_TIME_SIGNATURES',
  'FEATURE_V_1_2_WEEK_WITH_WEEKDAY',
  'FEATURE_V_1_3_FORMAT_IN_CAST',
  'FEATURE_V_1_3_ALLOW_REGEXP_EXTRACT_OPTIONALS',
  'FEATURE_JSON_ARRAY_FUNCTIONS',
  'FEATURE_JSON_STRICT_NUMBER_PARSING',
  'FEATURE_JSON_VALUE_EXTRACTION_FUNCTIONS',
  'FEATURE_JSON_LAX_VALUE_EXTRACTION_FUNCTIONS',
  'FEATURE_JSON_CONSTRUCTOR_FUNCTIONS',
  'FEATURE_JSON_MUTATOR_FUNCTIONS',
  'FEATURE_V_1_3_EXTENDED_GEOGRAPHY_PARSERS',
  'FEATURE_ROUND_WITH_ROUNDING_MODE',
  'FEATURE_CBRT_FUNCTIONS',
  'FEATURE_ENCRYPTION',
  'FEATURE_TEMPLATE_FUNCTIONS',
  // DML
  'FEATURE_DML_UPDATE_WITH_JOIN',
  'FEATURE_V_1_3_OMIT_INSERT_COLUMN_LIST',
  // DDL
  'FEATURE_CREATE_TABLE_NOT_NULL',
  'FEATURE_CREATE_TABLE_PARTITION_BY',
  'FEATURE_CREATE_TABLE_CLUSTER_BY',
  'FEATURE_CREATE_TABLE_AS_SELECT_COLUMN_LIST',
  'FEATURE_V_1_3_COLUMN_DEFAULT_VALUE',
  'FEATURE_CREATE_TABLE_LIKE',
  'FEATURE_CREATE_TABLE_COPY',
  'FEATURE_CREATE_TABLE_CLONE',
  // scripting
  'FEATURE_V_1_3_SCRIPT_LABEL',
  'FEATURE_V_1_3_REPEAT',
  'FEATURE_V_1_3_FOR_IN',
  'FEATURE_V_1_3_CASE_STMT',
];

const STATEMENT_KINDS = [
  'RESOLVED_QUERY_STMT', 'RESOLVED_INSERT_STMT', 'RESOLVED_UPDATE_STMT', 'RESOLVED_DELETE_STMT',
  'RESOLVED_MERGE_STMT', 'RESOLVED_TRUNCATE_STMT',
  'RESOLVED_CREATE_SCHEMA_STMT', 'RESOLVED_ALTER_SCHEMA_STMT', 'RESOLVED_CREATE_TABLE_STMT',
  'RESOLVED_CREATE_TABLE_AS_SELECT_STMT', 'RESOLVED_ALTER_TABLE_STMT', 'RESOLVED_DROP_STMT',
  'RESOLVED_CREATE_VIEW_STMT', 'RESOLVED_CREATE_MATERIALIZED_VIEW_STMT', 'RESOLVED_CREATE_FUNCTION_STMT',
  'RESOLVED_CREATE_TABLE_FUNCTION_STMT', 'RESOLVED_CREATE_PROCEDURE_STMT', 'RESOLVED_DROP_FUNCTION_STMT',
  'RESOLVED_CALL_STMT', 'RESOLVED_EXPORT_DATA_STMT', 'RESOLVED_EXECUTE_IMMEDIATE_STMT',
  'RESOLVED_BEGIN_STMT', 'RESOLVED_COMMIT_STMT', 'RESOLVED_ROLLBACK_STMT', 'RESOLVED_ASSERT_STMT',
];

// QUALIFY is a reserved keyword in BigQuery.
const RESERVED = ['QUALIFY'];

const LANGUAGE = {
  name_resolution_mode: 'NAME_RESOLUTION_DEFAULT',
  product_mode: 'PRODUCT_EXTERNAL',
  enabled_language_features: FEATURES,
  supported_statement_kinds: STATEMENT_KINDS,
  reserved_keywords: RESERVED,
};

// ------------------------------------------------------------- types

const KIND_OF = {
  INT64: 'TYPE_INT64', FLOAT64: 'TYPE_DOUBLE', NUMERIC: 'TYPE_NUMERIC', BIGNUMERIC: 'TYPE_BIGNUMERIC',
  BOOL: 'TYPE_BOOL', STRING: 'TYPE_STRING', BYTES: 'TYPE_BYTES', DATE: 'TYPE_DATE', DATETIME: 'TYPE_DATETIME',
  TIME: 'TYPE_TIME', TIMESTAMP: 'TYPE_TIMESTAMP', JSON: 'TYPE_JSON', INTERVAL: 'TYPE_INTERVAL',
  GEOGRAPHY: 'TYPE_GEOGRAPHY',
};
const NAME_OF = Object.fromEntries(Object.entries(KIND_OF).map(([k, v]) => [v, k]));

// An emulator type ({t, element, fields}) -> ZetaSQL TypeProto.
function typeProto(type) {
  if (type.t === 'ARRAY') return { type_kind: 'TYPE_ARRAY', array_type: { element_type: typeProto(type.element) } };
  if (type.t === 'STRUCT') {
    return { type_kind: 'TYPE_STRUCT', struct_type: { field: type.fields.map((f) => ({ field_name: f.name || '', field_type: typeProto(f.type) })) } };
  }
  const k = KIND_OF[type.t];
  if (!k) throw new Error(`no ZetaSQL type for ${type.t}`);
  return { type_kind: k };
}

// ZetaSQL TypeProto -> emulator type.
function typeOfProto(p) {
  if (p.type_kind === 'TYPE_ARRAY') return { t: 'ARRAY', element: typeOfProto(p.array_type.element_type) };
  if (p.type_kind === 'TYPE_STRUCT') {
    return { t: 'STRUCT', fields: (p.struct_type.field || []).map((f) => ({ name: f.field_name || '', type: typeOfProto(f.field_type) })) };
  }
  return { t: NAME_OF[p.type_kind] || 'STRING' };
}

// A REST parameterType -> TypeProto (an unknown type name -> null).
function paramTypeProto(pt) {
  if (!pt || typeof pt.type !== 'string') return null;
  const t = T.canonicalName(pt.type) || (String(pt.type).toUpperCase() === 'GEOGRAPHY' ? 'GEOGRAPHY' : null);
  if (!t) return null;
  if (t === 'ARRAY') {
    const e = paramTypeProto(pt.arrayType);
    return e ? { type_kind: 'TYPE_ARRAY', array_type: { element_type: e } } : null;
  }
  if (t === 'STRUCT') {
    const fields = (pt.structTypes || []).map((f) => ({ field_name: f.name || '', field_type: paramTypeProto(f.type) }));
    return fields.every((f) => f.field_type) ? { type_kind: 'TYPE_STRUCT', struct_type: { field: fields } } : null;
  }
  return { type_kind: KIND_OF[t] };
}

const STR = { type_kind: 'TYPE_STRING' };
const I64 = { type_kind: 'TYPE_INT64' };
// BigQuery's system variables (the emulator implements a subset; the rest analyze but fail when run).
const SYSTEM_VARIABLES = [
  [['current_job_id'], STR], [['dataset_id'], STR], [['dataset_project_id'], STR], [['project_id'], STR],
  [['last_job_id'], STR], [['location'], STR], [['query_label'], STR], [['reservation'], STR],
  [['row_count'], I64], [['session_id'], STR], [['time_zone'], STR],
  [['error', 'message'], STR], [['error', 'statement_text'], STR], [['error', 'formatted_stack_trace'], STR],
  [['error', 'stack_trace'], { type_kind: 'TYPE_ARRAY', array_type: { element_type: { type_kind: 'TYPE_STRUCT', struct_type: { field: [
    { field_name: 'line', field_type: I64 }, { field_name: 'column', field_type: I64 },
    { field_name: 'filename', field_type: STR }, { field_name: 'location', field_type: STR }] } } } }],
  [['script', 'job_id'], STR], [['script', 'bytes_processed'], I64], [['script', 'bytes_billed'], I64],
  [['script', 'creation_time'], { type_kind: 'TYPE_TIMESTAMP' }], [['script', 'num_child_jobs'], I64],
  [['script', 'slot_ms'], I64],
].map(([name_path, type]) => ({ name_path, type }));

// ------------------------------------------------------------- errors

// "msg [at 5:44]" (ZetaSQL's one-line mode) -> "msg at [5:44]" (BigQuery's).
function bqMessage(details) {
  return String(details || '').replace(/ \[at (\d+):(\d+)\]$/, ' at [$1:$2]');
}

// gRPC codes of a refused statement (anything else is the server failing).
const REFUSED = new Set([3, 5, 11, 12]);

// ------------------------------------------------------------- the referee

class Referee {
  constructor(emu, config) {
    this.emu = emu;
    this.config = config;
    this.zs = new ZetaSql();
    this.catalogs = new Map(); // key -> {promise, used}
    this.stats = { analyses: 0, ms: 0 };
  }

  async start() {
    await this.zs.start();
    this.zs.onExit = (code, sig) => {
      process.stderr.write(`bqemu: ZetaSQL's server exited (${sig || code}); every query now fails\n`);
    };
    // Warm up in the background: ZetaSQL builds its function tables on the
    // first catalog (a hundred ms or so), while the emulator starts serving.
    this.catalogId({ name: '', table: [], catalog: [], constant: [] }).catch(() => {});
  }

  async stop() {
    await this.zs.stop();
  }

  session(job, q, opts) {
    return new Session(this, job, q, opts || {});
  }

  // dryRun: the referee's verdict and the bytes the job would process,
  // nothing run.  Every statement of a script is analyzed (all branches),
  // with DECLAREd variables typed and CREATEd tables known; values that only
  // running would give (variables) prune nothing.  -> {bytes, schema, statementType}
  async dryRun(proj, q, location) {
    const S = require('./sql');
    const job = { projectId: proj, location: location || this.config.defaultLocation, jobId: null };
    const rs = this.session(job, q, { dryRun: true });
    try {
      await rs.parse();
      const stmts = S.parseScript(rs.text);
      const it = { vars: new Map(), temps: new Set(), posIndex: 0, conn: null };
      const walk = async (list) => {
        for (const s of list || []) {
          switch (s.type) {
            case 'sql':
              await rs.statement(it, s);
              it.posIndex += s.toks.filter((t) => t.t === 'op' && t.v === '?').length;
              break;
            case 'begin': case 'commit': case 'rollback':
              await rs.statement(it, s);
              break;
            case 'declare': {
              const e = s.expr ? await rs.expression(it, s.expr) : null;
              const type = s.dtype || (e ? typeOfProto(exprType(e)) : { t: 'INT64' });
              for (const n of s.names) it.vars.set(n.toLowerCase(), { bqType: type, unknown: true });
              break;
            }
            case 'set': case 'raise':
              if (s.expr) await rs.expression(it, s.expr);
              break;
            case 'assert':
              await rs.expression(it, s.expr);
              if (s.desc) await rs.expression(it, s.desc);
              break;
            case 'if':
              for (const b of s.branches) {
                await rs.expression(it, b.cond);
                await walk(b.body);
              }
              await walk(s.orelse);
              break;
            case 'block':
              await walk(s.body);
              await walk(s.handler);
              break;
            default:
          }
        }
      };
      await walk(stmts);
      const script = stmts.length > 1 || stmts[0].type !== 'sql';
      rs.finish(null);
      return { bytes: String(rs.bytes), schema: script ? null : rs.schema, statementType: script ? 'SCRIPT' : S.statementKind(stmts[0].toks) };
    } catch (e) {
      rs.finish(e);
      throw e;
    }
  }

  async rpc(method, req) {
    const t0 = process.hrtime.bigint();
    try {
      return await this.zs.call(method, req);
    } catch (e) {
      if (REFUSED.has(e.code)) {
        const err = invalidQuery(bqMessage(e.details));
        err.referee = true;
        throw err;
      }
      throw new BqError('backendError', `bqemu referee: ZetaSQL's server failed: ${e.details || e.message}`);
    } finally {
      this.stats.analyses++;
      this.stats.ms += Number(process.hrtime.bigint() - t0) / 1e6;
    }
  }

  // A registered catalog for this proto (registered once per distinct content).
  async catalogId(proto) {
    const key = crypto.createHash('sha1').update(JSON.stringify(proto)).digest('hex');
    let c = this.catalogs.get(key);
    if (!c) {
      const full = Object.assign({}, proto, { builtin_function_options: { language_options: LANGUAGE } });
      c = { promise: this.rpc('registerCatalog', { simple_catalog: full }).then((r) => r.registered_id) };
      c.promise.catch(() => this.catalogs.delete(key));
      this.catalogs.set(key, c);
      this.evict();
    }
    this.catalogs.delete(key);
    this.catalogs.set(key, c); // most recently used last
    return c.promise;
  }

  evict() {
    while (this.catalogs.size > 64) {
      const [key, c] = this.catalogs.entries().next().value;
      this.catalogs.delete(key);
      // Unregister later: a job may still be analyzing against it.
      setTimeout(() => {
        c.promise.then((id) => this.zs.call('unregisterCatalog', { registered_id: id })).catch(() => {});
      }, 30000).unref();
    }
  }

  log(line) {
    const file = this.config.sqlLog;
    if (!file) return;
    try {
      fs.appendFileSync(file, JSON.stringify(line) + '\n');
    } catch (e) {
      process.stderr.write(`bqemu: cannot write the SQL log ${file}: ${e.message}\n`);
    }
  }
}

// ------------------------------------------------------------- catalog

// The SimpleCatalogProto of what a statement can name, and the tables by serialization id.
function buildCatalog(emu, ctx) {
  const top = { name: '', table: [], catalog: [], constant: [] };
  const refs = [];
  const sub = (parent, name) => {
    let c = parent.catalog.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!c) {
      c = { name, table: [], catalog: [] };
      parent.catalog.push(c);
    }
    return c;
  };
  const add = (cat, name, ref, columns) => {
    if (cat.table.some((x) => x.name.toLowerCase() === name.toLowerCase())) return;
    let id = refs.indexOf(ref);
    if (id < 0) id = refs.push(ref) - 1;
    cat.table.push({ name, serialization_id: id + 1, full_name: ref.full, column: columns });
  };
  const columnsOf = (cols) => cols.map((c) => ({ name: c.name, type: typeProto(c.type) }));
  // Temp tables first: a bare name is a temp table before the default dataset's.
  for (const [low, t] of ctx.temps) add(top, t.name, { temp: t.name, full: t.name, columns: t.columns, low }, columnsOf(t.columns));
  const tables = [];
  for (const [p, datasets] of emu.projects) {
    for (const [d, ds] of datasets) {
      for (const tbl of ds.tables.values()) {
        if (tbl.expirationTime && Number(tbl.expirationTime) <= Date.now()) continue;
        tables.push([p, d, tbl.tableId, { tbl, full: `${p}.${d}.${tbl.tableId}` }, tbl.columns]);
      }
    }
  }
  for (const [key, o] of ctx.created) tables.push([o.p, o.d, o.t, { created: key, full: key, columns: o.columns }, o.columns]);
  const dflt = ctx.defaultDataset;
  for (const [p, d, t, ref, cols] of tables) {
    const c = columnsOf(cols);
    add(top, `${p}.${d}.${t}`, ref, c); // `p.d.t`
    add(sub(sub(top, p), d), t, ref, c); // p.d.t, `p`.d.t
    add(sub(top, p), `${d}.${t}`, ref, c); // `p`.`d.t`
    add(sub(top, `${p}.${d}`), t, ref, c); // `p.d`.t
    if (p === ctx.project) {
      add(top, `${d}.${t}`, ref, c); // `d.t`
      add(sub(top, d), t, ref, c); // d.t
    }
    if (dflt && p === dflt.projectId && d === dflt.datasetId) add(top, t, ref, c);
  }
  for (const [name, type] of ctx.vars) top.constant.push({ name_path: [name], type: typeProto(type), value: {} });
  return { proto: top, refs };
}

// ------------------------------------------------------------- one job

class Session {
  constructor(ref, job, q, opts) {
    this.ref = ref;
    this.emu = ref.emu;
    this.job = job;
    this.text = String(q.query || '');
    this.q = q;
    this.dry = !!opts.dryRun;
    this.project = job.projectId;
    this.location = job.location;
    this.defaultDataset = q.defaultDataset ? { projectId: q.defaultDataset.projectId || job.projectId, datasetId: q.defaultDataset.datasetId } : null;
    this.temps = new Map(); // lower name -> {name, columns}
    this.created = new Map(); // dry runs: "p.d.t" -> {p, d, t, columns}
    this.kinds = [];
    this.bytes = 0;
    this.verdict = 'accepted';
    this.message = null;
    this.logged = false;
    this.schema = null;
    this.params = this.paramTypes();
    this.lastStatement = null;
  }

  paramTypes() {
    const list = Array.isArray(this.q.queryParameters) ? this.q.queryParameters : [];
    const mode = String(this.q.parameterMode || (list.length && list[0].name ? 'NAMED' : list.length ? 'POSITIONAL' : 'NAMED')).toUpperCase();
    const named = [];
    const positional = [];
    const values = new Map();
    list.forEach((p, k) => {
      const type = paramTypeProto(p.parameterType) || { type_kind: 'TYPE_STRING' };
      const v = p.parameterValue && typeof p.parameterValue.value === 'string' ? p.parameterValue.value : null;
      if (mode === 'NAMED') {
        named.push({ name: String(p.name || ''), type });
        values.set(String(p.name || '').toLowerCase(), v);
      } else {
        positional.push(type);
        values.set(k + 1, v);
      }
    });
    return { mode, named, positional, values };
  }

  reject(e) {
    this.verdict = 'rejected';
    this.message = e.message;
    return e;
  }

  // The whole text, parsed as a script: a syntax error refuses the job.
  async parse() {
    let r;
    try {
      r = await this.ref.rpc('parse', { sql_statement: this.text, allow_script: true, options: LANGUAGE });
    } catch (e) {
      if (e.referee) this.reject(e);
      this.finish(e);
      throw e;
    }
    this.kinds = statementKinds(r);
  }

  options(posOffset) {
    const o = {
      language_options: LANGUAGE, error_message_mode: 'ERROR_MESSAGE_ONE_LINE', prune_unused_columns: true,
      default_timezone: 'UTC', system_variables: SYSTEM_VARIABLES,
    };
    if (this.params.mode === 'POSITIONAL') {
      o.parameter_mode = 'PARAMETER_POSITIONAL';
      o.positional_query_parameters = this.params.positional.slice(posOffset || 0);
    } else {
      o.parameter_mode = 'PARAMETER_NAMED';
      o.query_parameters = this.params.named;
    }
    return o;
  }

  catalogContext(it) {
    const vars = new Map();
    for (const [name, v] of it.vars) if (v && v.bqType) vars.set(name, v.bqType);
    const temps = new Map();
    for (const low of it.temps) if (this.temps.has(low)) temps.set(low, this.temps.get(low));
    return { project: this.project, defaultDataset: this.defaultDataset, temps, vars, created: this.created };
  }

  byteOffset(pos) {
    return Buffer.byteLength(this.text.slice(0, pos), 'utf8');
  }

  // Analyze the statement that starts at character pos (a script statement
  // keeps its position in the whole text).  Returns the resolved statement.
  async analyzeAt(it, pos) {
    const { proto, refs } = buildCatalog(this.emu, this.catalogContext(it));
    const id = await this.ref.catalogId(proto);
    let r;
    try {
      r = await this.ref.rpc('analyze', {
        parse_resume_location: { input: this.text, byte_position: this.byteOffset(pos), allow_resume: true },
        registered_catalog_id: id, options: this.options(it.posIndex),
      });
    } catch (e) {
      throw this.refused(e);
    }
    return { stmt: r.resolved_statement, refs };
  }

  // Analyze an expression that spans characters [start, end): it is sent
  // with everything before it blanked out, so positions stay the text's.
  async analyzeExpr(it, start, end) {
    const pad = this.text.slice(0, start).replace(/[^\n\r\t]/gu, ' ');
    const { proto, refs } = buildCatalog(this.emu, this.catalogContext(it));
    const id = await this.ref.catalogId(proto);
    let r;
    try {
      r = await this.ref.rpc('analyze', {
        sql_expression: pad + this.text.slice(start, end), registered_catalog_id: id, options: this.options(it.posIndex),
      });
    } catch (e) {
      throw this.refused(e);
    }
    return { expr: r.resolved_expression, refs };
  }

  // A refused statement is the job's verdict (a failing server is not).
  refused(e) {
    if (!e.referee) return e;
    const m = this.mapError(e);
    this.reject(m);
    return m;
  }

  // ZetaSQL's "Table not found" -> BigQuery's 404 when the emulator agrees the table is missing.
  mapError(e) {
    const m = /^Table not found: ([^;]+?)(?:; Did you mean .*?)?(?: at \[\d+:\d+\])?$/.exec(e.message);
    if (!m) return e;
    const parts = m[1].split('.').flatMap((x) => x.replace(/`/g, '').split('.'));
    const { resolveParts } = require('./engine');
    try {
      const [p, d, t] = resolveParts(parts, { project: this.project, dataset: this.defaultDataset }, null, true);
      this.emu.needTable(p, d, t, this.location);
    } catch (nf) {
      return nf instanceof BqError ? nf : e;
    }
    return e;
  }

  // Interpreter hook: a statement is about to run.
  async statement(it, s) {
    if (!['sql', 'begin', 'commit', 'rollback'].includes(s.type)) return;
    const pos = s.type === 'sql' ? s.toks[0].pos : s.tok.pos;
    const { stmt, refs } = await this.analyzeAt(it, pos);
    this.lastStatement = stmt;
    this.noteCreated(stmt, it);
    this.bytes += await B.statementBytes(this.emu, stmt, refs, this.valueContext(it), it.conn);
    if (stmt && stmt.node === 'resolved_query_stmt_node') this.schema = schemaOf(stmt.resolved_query_stmt_node);
  }

  // Interpreter hook: an expression (tokens ending in an eof sentinel) is about to be evaluated.
  async expression(it, toks) {
    const real = toks.filter((t) => t.t !== 'eof');
    if (real.length === 0) return null;
    const { expr, refs } = await this.analyzeExpr(it, real[0].pos, real[real.length - 1].end);
    this.bytes += await B.expressionBytes(this.emu, expr, refs, this.valueContext(it), it.conn);
    return expr;
  }

  valueContext(it) {
    return {
      param: (key) => (this.params.values.has(key) ? this.params.values.get(key) : undefined),
      posOffset: it.posIndex || 0,
      variable: (name) => {
        const v = it.vars.get(String(name).toLowerCase());
        return v && !v.unknown ? v.value : undefined;
      },
    };
  }

  // CREATE [TEMP] TABLE: remember its columns (temp tables; any table in a dry run).
  noteCreated(stmt, it) {
    const c = findKey(stmt, 'column_definition_list');
    if (!c || !c.parent || !Array.isArray(c.parent.name_path)) return;
    const base = c.parent;
    const columns = c.column_definition_list.map((d) => ({ name: d.name, type: typeOfProto(d.type) }));
    const np = base.name_path;
    if (base.create_scope === 'CREATE_TEMP' && np.length === 1) {
      this.temps.set(np[0].toLowerCase(), { name: np[0], columns });
      if (this.dry) it.temps.add(np[0].toLowerCase());
    } else if (this.dry) {
      const parts = np.flatMap((x) => x.split('.'));
      const p = parts.length === 3 ? parts[0] : this.project;
      const d = parts.length >= 2 ? parts[parts.length - 2] : this.defaultDataset && this.defaultDataset.datasetId;
      const t = parts[parts.length - 1];
      if (d) this.created.set(`${p}.${d}.${t}`, { p, d, t, columns });
    }
  }

  // The job is over: record its bytes and write its SQL log line (once).
  finish(error) {
    if (this.logged) return;
    this.logged = true;
    if (this.job && !this.dry) this.job.bytesProcessed = String(this.bytes);
    const line = {
      time: new Date().toISOString(), jobId: this.job ? this.job.jobId || null : null, dryRun: this.dry,
      verdict: this.verdict, message: this.message, kinds: this.kinds, text: this.text,
      bytesProcessed: String(this.bytes),
    };
    const params = Array.isArray(this.q.queryParameters) ? this.q.queryParameters : [];
    if (params.length) line.parameters = params.map((p) => ({ name: p.name, type: restTypeName(p.parameterType) }));
    if (error && this.verdict === 'accepted') line.jobError = error.message;
    this.ref.log(line);
  }
}

// A REST parameterType as GoogleSQL spells it: ARRAY<STRING>, STRUCT<a INT64>.
function restTypeName(pt) {
  if (!pt) return null;
  const t = String(pt.type || '').toUpperCase();
  if (t === 'ARRAY') return `ARRAY<${restTypeName(pt.arrayType)}>`;
  if (t === 'STRUCT') return `STRUCT<${(pt.structTypes || []).map((f) => `${f.name} ${restTypeName(f.type)}`).join(', ')}>`;
  return t;
}

// Statement kinds of a parsed script, in text order, branches and blocks included.
function statementKinds(r) {
  const out = [];
  const kindOf = (o) => {
    let name = '';
    while (o && o.node) {
      name = o.node;
      o = o[o.node];
    }
    return [name.replace(/^ast_/, '').replace(/_node$/, '').replace(/_statement$/, '').toUpperCase(), o];
  };
  const walk = (o) => {
    if (!o || typeof o !== 'object') return;
    if (Array.isArray(o)) return o.forEach(walk);
    for (const [k, v] of Object.entries(o)) {
      if (k === 'statement_list' && Array.isArray(v)) {
        for (const s of v) {
          const [kind, inner] = kindOf(s);
          out.push(kind);
          walk(inner);
        }
      } else if (v && typeof v === 'object') {
        walk(v);
      }
    }
  };
  if (r.parsed_script) walk(r.parsed_script);
  else if (r.parsed_statement) out.push(kindOf(r.parsed_statement)[0]);
  return out;
}

// The TypeProto of a resolved expression.
function exprType(e) {
  let o = e;
  while (o && typeof o === 'object' && typeof o.node === 'string' && o[o.node]) o = o[o.node];
  for (let p = o; p; p = p.parent) if (p.type && p.type.type_kind) return p.type;
  return { type_kind: 'TYPE_INT64' };
}

function findKey(o, key) {
  if (!o || typeof o !== 'object') return null;
  if (Object.prototype.hasOwnProperty.call(o, key)) return o;
  for (const v of Object.values(o)) {
    const r = findKey(v, key);
    if (r) return r;
  }
  return null;
}

// A resolved query's output columns -> REST schema fields (anonymous columns f0_, f1_, ...).
function schemaOf(q) {
  let anon = 0;
  return (q.output_column_list || []).map((c) => {
    const name = /^\$/.test(c.name) ? `f${anon++}_` : c.name;
    return T.fieldOf(name, typeOfProto(c.column.type));
  });
}

module.exports = { Referee, FEATURES, STATEMENT_KINDS, RESERVED, LANGUAGE, bqMessage, typeProto, typeOfProto };
