'use strict';
// The emulated service: datasets and tables (a catalog over one DuckDB
// database, a dataset being the DuckDB schema "PROJECT.DATASET"), jobs
// (query scripts and loads), transactions with BigQuery's conflict rules and
// per-table DML concurrency limits, and the injected job faults.

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const duck = require('@duckdb/node-api');
const { BqError, invalidQuery, notFound } = require('./errors');
const T = require('./types');
const S = require('./sql');
const { RowError, canonicalObject } = require('./rows');
const { Referee } = require('./referee');
const { Conflicts, conflictError, isDuckConflict } = require('./conflicts');
const jobfaults = require('./jobfaults');
const { TableUpdates } = require('./quota');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now();

function tableId(p, d, t) {
  return `${p}:${d}.${t}`;
}

function duckSchema(p, d) {
  return T.quoteIdent(`${p}.${d}`);
}

function duckTable(p, d, t) {
  return `${duckSchema(p, d)}.${T.quoteIdent(t)}`;
}

function sameLocation(a, b) {
  return String(a).toLowerCase() === String(b).toLowerCase();
}

// A DuckDB error -> a BigQuery error (first line of DuckDB's message).
function fromDuck(e) {
  if (e instanceof BqError) return e;
  if (!(e instanceof Error) || !/^[A-Za-z ]+ Error: /.test(e.message)) {
    process.stderr.write(`bqemu: internal error: ${e && e.stack ? e.stack : e}\n`);
  }
  const msg = String(e && e.message ? e.message : e).split('\n')[0]
    .replace(/^(Binder|Parser|Catalog|Conversion|Invalid Input|Constraint|Out of Range|Not implemented|Dependency|TransactionContext) Error: /, '');
  return invalidQuery(msg);
}

// ---------------------------------------------------------------- catalog

class Emulator {
  constructor(config) {
    this.config = config;
    this.projects = new Map();
    this.jobs = new Map();
    this.requestIds = new Map();
    this.conflicts = new Conflicts(this);
    this.tableUpdates = new TableUpdates(config); // 5 metadata updates per 10 s per table (lib/quota.js)
    this.dml = new Map(); // table id -> {running, queue: [job]}
    this.waiting = [];
    this.tokens = new Map();
  }

  async init() {
    // The referee: ZetaSQL checks every statement before DuckDB runs it (referee.js).
    this.referee = new Referee(this, this.config);
    const refereeUp = this.referee.start();
    refereeUp.catch(() => {});
    const file = this.config.dataDir ? path.join(this.config.dataDir, 'bqemu.duckdb') : ':memory:';
    if (this.config.dataDir) fs.mkdirSync(this.config.dataDir, { recursive: true });
    this.instance = await duck.DuckDBInstance.create(file);
    this.admin = await this.instance.connect();
    await this.admin.run("SET GLOBAL TimeZone = 'UTC'");
    const numeric = "typeof(x) IN ('DOUBLE', 'FLOAT') OR typeof(x) LIKE 'DECIMAL%'";
    await this.admin.run(`CREATE OR REPLACE MACRO bq_int64(x) AS CASE WHEN ${numeric} THEN CAST(round(TRY_CAST(x AS DOUBLE)) AS BIGINT) ELSE CAST(x AS BIGINT) END`);
    await this.admin.run(`CREATE OR REPLACE MACRO bq_safe_int64(x) AS CASE WHEN ${numeric} THEN TRY_CAST(round(TRY_CAST(x AS DOUBLE)) AS BIGINT) ELSE TRY_CAST(x AS BIGINT) END`);
    if (this.config.dataDir) this.loadCatalog();
    await refereeUp;
  }

  catalogFile() {
    return path.join(this.config.dataDir, 'catalog.json');
  }

  loadCatalog() {
    if (!fs.existsSync(this.catalogFile())) return;
    const saved = JSON.parse(fs.readFileSync(this.catalogFile(), 'utf8'));
    for (const ds of saved.datasets) {
      const tables = new Map();
      for (const t of ds.tables) {
        t.columns = T.columnsOfFields(t.fields);
        tables.set(t.tableId, t);
      }
      ds.tables = tables;
      this.projectOf(ds.projectId).set(ds.datasetId, ds);
    }
    // the commit clock goes on from where it was: a table's lastMutation is a reading of it, and a
    // clock restarted at 0 would make every transaction on such a table look begun before it
    let clock = Number(saved.clock) || 0;
    for (const p of this.projects.values()) {
      for (const ds of p.values()) for (const t of ds.tables.values()) clock = Math.max(clock, t.lastMutation || 0);
    }
    this.conflicts.clock = clock;
  }

  saveCatalog() {
    if (!this.config.dataDir) return;
    const datasets = [];
    for (const p of this.projects.values()) {
      for (const ds of p.values()) {
        datasets.push(Object.assign({}, ds, {
          tables: [...ds.tables.values()].map((t) => Object.assign({}, t, { columns: undefined })),
        }));
      }
    }
    // atomically: a crash mid-write must not leave half a catalog for the next start
    const tmp = `${this.catalogFile()}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, JSON.stringify({ clock: this.conflicts.clock, datasets }));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.catalogFile());
  }

  projectOf(p) {
    if (!this.projects.has(p)) this.projects.set(p, new Map());
    return this.projects.get(p);
  }

  dataset(p, d) {
    const ds = this.projects.has(p) ? this.projects.get(p).get(d) : undefined;
    return ds;
  }

  // A dataset that exists in `location` (when given), else notFound.
  needDataset(p, d, location) {
    const ds = this.dataset(p, d);
    if (!ds) throw notFound(`Not found: Dataset ${p}:${d}`);
    if (location && !sameLocation(ds.location, location)) {
      throw notFound(`Not found: Dataset ${p}:${d} was not found in location ${location}`);
    }
    return ds;
  }

  table(p, d, t) {
    const ds = this.dataset(p, d);
    const tbl = ds ? ds.tables.get(t) : undefined;
    if (tbl && tbl.expirationTime && Number(tbl.expirationTime) <= now()) return undefined;
    return tbl;
  }

  needTable(p, d, t, location) {
    this.needDataset(p, d, location);
    const tbl = this.table(p, d, t);
    if (!tbl) throw notFound(`Not found: Table ${tableId(p, d, t)}${location ? ' was not found in location ' + location : ''}`);
    return tbl;
  }

  // Drop tables whose expirationTime passed (BigQuery deletes them), and old requestIds.
  async sweepExpired() {
    const t = now();
    for (const [k, v] of this.requestIds) if (t - v.time >= this.config.requestIdTtlMs) this.requestIds.delete(k);
    for (const p of this.projects.values()) {
      for (const ds of p.values()) {
        for (const tbl of [...ds.tables.values()]) {
          if (tbl.expirationTime && Number(tbl.expirationTime) <= now()) {
            ds.tables.delete(tbl.tableId);
            await this.admin.run(`DROP TABLE IF EXISTS ${duckTable(tbl.projectId, tbl.datasetId, tbl.tableId)}`).catch(() => {});
            this.saveCatalog();
          }
        }
      }
    }
  }

  async createDataset(p, d, fields, ifNotExists) {
    if (!/^[A-Za-z0-9_]{1,1024}$/.test(d)) {
      throw new BqError('invalid', `Invalid dataset ID "${d}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`);
    }
    const existing = this.dataset(p, d);
    if (existing) {
      if (ifNotExists) return existing;
      throw new BqError('duplicate', `Already Exists: Dataset ${p}:${d}`);
    }
    const t = String(now());
    const ds = Object.assign({
      projectId: p, datasetId: d, location: this.config.defaultLocation, creationTime: t, lastModifiedTime: t,
    }, fields, { tables: new Map() });
    await this.admin.run(`CREATE SCHEMA IF NOT EXISTS ${duckSchema(p, d)}`);
    this.projectOf(p).set(d, ds);
    this.saveCatalog();
    return ds;
  }

  async deleteDataset(p, d, cascade) {
    const ds = this.dataset(p, d);
    if (!ds) throw notFound(`Not found: Dataset ${p}:${d}`);
    if (ds.tables.size > 0 && !cascade) {
      throw new BqError('resourceInUse', `Dataset ${p}:${d} is still in use`, { code: 400, status: 'FAILED_PRECONDITION' });
    }
    await this.admin.run(`DROP SCHEMA IF EXISTS ${duckSchema(p, d)} CASCADE`);
    this.projects.get(p).delete(d);
    this.saveCatalog();
  }

  // Create table metadata + DuckDB table.  spec: {columns, timePartitioning,
  // rangePartitioning, clustering, expirationTime, description, labels}.
  async createTable(conn, p, d, t, spec, how) {
    const ds = this.needDataset(p, d, how && how.location);
    if (!/^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u.test(t)) {
      throw new BqError('invalid', `Invalid table ID "${t}".`);
    }
    const existing = this.table(p, d, t);
    if (existing) {
      if (how && how.ifNotExists) return existing;
      if (!(how && how.orReplace)) throw new BqError('duplicate', `Already Exists: Table ${tableId(p, d, t)}`);
    }
    validateLayout(spec);
    const cols = spec.columns.map((c) => {
      let s = `${T.quoteIdent(c.name)} ${T.duckType(c.type)}`;
      if (c.mode === 'REQUIRED') s += ' NOT NULL';
      if (c.dfltSql) s += ` DEFAULT ${c.dfltSql}`;
      return s;
    });
    const name = duckTable(p, d, t);
    if (ds.tables.has(t)) {
      await conn.run(`DROP TABLE IF EXISTS ${name}`);
      ds.tables.delete(t);
    }
    await conn.run(`CREATE TABLE ${name} (${cols.join(', ')})`);
    const ts = String(now());
    const tbl = {
      projectId: p, datasetId: d, tableId: t, columns: spec.columns.map((c) => ({ name: c.name, type: c.type, mode: c.mode })),
      timePartitioning: spec.timePartitioning, rangePartitioning: spec.rangePartitioning, clustering: spec.clustering,
      expirationTime: spec.expirationTime, description: spec.description, labels: spec.labels,
      requirePartitionFilter: spec.requirePartitionFilter, creationTime: ts, lastModifiedTime: ts,
      lastMutation: 0, streamingUntil: 0, location: ds.location,
    };
    if (!tbl.expirationTime && ds.defaultTableExpirationMs) tbl.expirationTime = String(now() + Number(ds.defaultTableExpirationMs));
    tbl.fields = tbl.columns.map((c) => T.fieldOf(c.name, c.type, c.mode));
    ds.tables.set(t, tbl);
    ds.lastModifiedTime = ts;
    this.saveCatalog();
    return tbl;
  }

  async dropTable(conn, p, d, t, ifExists, location) {
    this.needDataset(p, d, location);
    const tbl = this.table(p, d, t);
    if (!tbl) {
      if (ifExists) return;
      throw notFound(`Not found: Table ${tableId(p, d, t)}`);
    }
    await conn.run(`DROP TABLE IF EXISTS ${duckTable(p, d, t)}`);
    this.dataset(p, d).tables.delete(t);
    this.saveCatalog();
  }

  async numRows(tbl) {
    const r = await this.admin.runAndReadAll(`SELECT count(*) FROM ${duckTable(tbl.projectId, tbl.datasetId, tbl.tableId)}`);
    return String(r.getRows()[0][0]);
  }

  async tableResource(tbl) {
    const id = tableId(tbl.projectId, tbl.datasetId, tbl.tableId);
    const r = {
      kind: 'bigquery#table', etag: etag(tbl.lastModifiedTime + id), id,
      selfLink: `/bigquery/v2/projects/${tbl.projectId}/datasets/${tbl.datasetId}/tables/${tbl.tableId}`,
      tableReference: { projectId: tbl.projectId, datasetId: tbl.datasetId, tableId: tbl.tableId },
      schema: { fields: tbl.fields }, numBytes: '0', numLongTermBytes: '0', numRows: await this.numRows(tbl),
      creationTime: tbl.creationTime, lastModifiedTime: tbl.lastModifiedTime, type: 'TABLE', location: tbl.location,
    };
    for (const k of ['timePartitioning', 'rangePartitioning', 'clustering', 'expirationTime', 'description', 'labels', 'requirePartitionFilter']) {
      if (tbl[k] !== undefined && tbl[k] !== null) r[k] = tbl[k];
    }
    if (tbl.streamingUntil > now()) r.streamingBuffer = { estimatedRows: '1', oldestEntryTime: String(tbl.streamingUntil - this.config.streamingBufferSeconds * 1000) };
    return r;
  }

  datasetResource(ds) {
    const r = {
      kind: 'bigquery#dataset', etag: etag(ds.lastModifiedTime + ds.datasetId), id: `${ds.projectId}:${ds.datasetId}`,
      selfLink: `/bigquery/v2/projects/${ds.projectId}/datasets/${ds.datasetId}`,
      datasetReference: { projectId: ds.projectId, datasetId: ds.datasetId },
      creationTime: ds.creationTime, lastModifiedTime: ds.lastModifiedTime, location: ds.location, type: 'DEFAULT',
    };
    for (const k of ['description', 'labels', 'defaultTableExpirationMs', 'friendlyName']) if (ds[k] !== undefined) r[k] = ds[k];
    return r;
  }

  // ------------------------------------------------------------ jobs

  jobKey(p, jobId) {
    return `${p}:${jobId}`;
  }

  findJob(p, jobId, location) {
    const job = this.jobs.get(this.jobKey(p, jobId));
    const loc = location || 'US';
    if (!job || !sameLocation(job.location, loc)) throw notFound(`Not found: Job ${p}:${loc}.${jobId}`);
    return job;
  }

  newJob(p, ref, type, configuration) {
    const jobId = (ref && ref.jobId) || 'job_' + crypto.randomBytes(12).toString('base64url');
    if (!/^[A-Za-z0-9_-]{1,1024}$/.test(jobId)) {
      throw new BqError('invalid', `Invalid job ID "${jobId}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`);
    }
    const location = (ref && ref.location) || this.config.defaultLocation;
    if (this.jobs.has(this.jobKey(p, jobId))) {
      const old = this.jobs.get(this.jobKey(p, jobId));
      throw new BqError('duplicate', `Already Exists: Job ${p}:${old.location}.${jobId}`);
    }
    let resolve;
    const job = {
      projectId: p, jobId, location, type, configuration, state: 'PENDING', error: null,
      creationTime: String(now()), startTime: null, endTime: null, result: null, statementType: null,
      dml: null, statements: [], hiddenPolls: this.config.pendingPolls || 0, done: null, tables: [],
      latencyMs: this.config.latencyMs || 0, // as set when the job was created
    };
    job.done = new Promise((r) => { resolve = r; });
    job.finish = resolve;
    this.jobs.set(this.jobKey(p, jobId), job);
    return job;
  }

  // One poll of a job's state: counts down the injected "still running" polls.
  poll(job) {
    if (job.hiddenPolls > 0) {
      job.hiddenPolls--;
      return false;
    }
    return job.state === 'DONE';
  }

  async waitJob(job, timeoutMs) {
    if (job.state === 'DONE') return;
    let timer;
    await Promise.race([job.done, new Promise((r) => { timer = setTimeout(r, Math.max(0, timeoutMs)); })]);
    clearTimeout(timer);
  }

  // Job-level injected faults, consumed by jobs that start: {error, when}
  // (lib/jobfaults.js), {conflict: true}, or null.
  takeJobFault(job, kind, statements, mutating) {
    const c = this.config;
    const f = jobfaults.take(c, kind, statements);
    if (f) return f;
    if (mutating && c.serializationConflictNext > 0) {
      c.serializationConflictNext--;
      return { conflict: true };
    }
    return null;
  }

  startQuery(p, ref, qconf, jobConf) {
    const job = this.newJob(p, ref, 'QUERY', jobConf);
    this.runQuery(job, qconf).catch((e) => {
      job.error = fromDuck(e);
    }).finally(() => {
      if (job.referee) job.referee.finish(job.error); // its bytes, its SQL log line
      this.finishJob(job);
    });
    return job;
  }

  finishJob(job) {
    // Keep the rows of recent results only (BigQuery keeps them 24 h; memory here is finite).
    if (job.result && job.result.rows) {
      this.cached = this.cached || [];
      this.cachedRows = (this.cachedRows || 0) + job.result.rows.length;
      this.cached.push(job);
      while (this.cachedRows > this.config.resultRowsBudget && this.cached.length > 1) {
        const old = this.cached.shift();
        this.cachedRows -= old.result.rows.length;
        old.result = { evicted: true };
      }
    }
    job.state = 'DONE';
    job.endTime = String(now());
    job.finish();
  }

  // ------------------------------------------------------------ DML admission

  dmlState(id) {
    if (!this.dml.has(id)) this.dml.set(id, { running: 0, queued: 0 });
    return this.dml.get(id);
  }

  // Wait for a slot on every table the job mutates (BigQuery: 2 mutating DML
  // running per table, 20 queued, the rest fail).
  async admit(job, ids) {
    if (ids.length === 0) return;
    const c = this.config;
    for (const id of ids) {
      const st = this.dmlState(id);
      if (st.running >= c.dmlRunning && st.queued >= c.dmlQueue) {
        throw new BqError('resourcesExceeded',
          `Resources exceeded during query execution: Too many DML statements outstanding against table ${id}, limit is ${c.dmlQueue}.`);
      }
    }
    const fits = () => ids.every((id) => this.dmlState(id).running < c.dmlRunning);
    if (!this.waiting.some((w) => w.ids.some((id) => ids.includes(id))) && fits()) {
      for (const id of ids) this.dmlState(id).running++;
      return;
    }
    for (const id of ids) this.dmlState(id).queued++;
    await new Promise((resolve) => this.waiting.push({ ids, resolve }));
  }

  release(ids) {
    for (const id of ids) this.dmlState(id).running--;
    const c = this.config;
    for (let k = 0; k < this.waiting.length;) {
      const w = this.waiting[k];
      const blockedEarlier = this.waiting.slice(0, k).some((x) => x.ids.some((id) => w.ids.includes(id)));
      if (!blockedEarlier && w.ids.every((id) => this.dmlState(id).running < c.dmlRunning)) {
        this.waiting.splice(k, 1);
        for (const id of w.ids) {
          const st = this.dmlState(id);
          st.queued--;
          st.running++;
        }
        w.resolve();
      } else {
        k++;
      }
    }
  }

  // ------------------------------------------------------------ query jobs

  async runQuery(job, q) {
    job.referee = this.referee.session(job, q);
    await job.referee.parse(); // a syntax error anywhere: nothing runs
    const stmts = S.parseScript(q.query);
    const isScript = stmts.length > 1 || stmts[0].type !== 'sql';
    job.statementType = isScript ? 'SCRIPT' : S.statementKind(stmts[0].toks);
    const params = prepareParams(q);
    const defaults = { project: job.projectId, dataset: q.defaultDataset || null };
    const mutated = new Set();
    let hasTxn = false;
    const walk = (list) => {
      for (const s of list) {
        if (s.type === 'begin') hasTxn = true;
        if (s.type === 'if') {
          s.branches.forEach((b) => walk(b.body));
          if (s.orelse) walk(s.orelse);
        }
        if (s.type === 'block') {
          walk(s.body);
          if (s.handler) walk(s.handler);
        }
      }
    };
    walk(stmts);
    for (const s of S.flatten(stmts)) {
      const t = S.dmlTarget(s.toks);
      if (t && t.mutating) {
        const parts = resolveParts(t.parts, defaults, t.tok, false);
        if (parts) mutated.add(tableId(...parts));
      }
    }
    const ids = [...mutated].sort();
    const kinds = S.flatten(stmts).map((s) => S.statementKind(s.toks));
    const fault = this.takeJobFault(job, isScript || hasTxn ? 'script' : 'query', kinds, ids.length > 0);
    if (fault && fault.error && fault.when === 'before') throw fault.error;
    await this.admit(job, ids);
    try {
      job.state = 'RUNNING';
      job.startTime = String(now());
      if (!hasTxn) await sleep(job.latencyMs);
      const conn = await this.instance.connect();
      try {
        const it = new Interpreter(this, job, conn, params, defaults, { forceConflict: Boolean(fault && fault.conflict), latencyPending: hasTxn });
        it.referee = job.referee;
        job.statements = it.kinds; // live: /_emu/jobs shows how far a running script got
        try {
          await it.run(stmts);
          if (it.txn) {
            await it.rollback();
            throw invalidQuery('Transaction was not committed or rolled back by the end of the script; it was rolled back');
          }
        } catch (e) {
          if (it.txn) await it.rollback();
          throw e;
        }
        job.result = it.lastResult;
        job.dml = it.dml;
        job.statements = it.kinds;
        if (!isScript && it.lastDml) job.numDmlAffectedRows = String(it.rowCount === null ? 0 : it.rowCount);
        else if (it.dmlRan) job.numDmlAffectedRows = String(it.dml.insertedRowCount + it.dml.updatedRowCount + it.dml.deletedRowCount);
        if (fault && fault.error) throw fault.error; // when: "after": it ran, and says it failed
      } finally {
        conn.closeSync();
      }
    } finally {
      this.release(ids);
    }
  }

  // ------------------------------------------------------------ loads

  startLoad(p, ref, load, jobConf, data) {
    const job = this.newJob(p, ref, 'LOAD', jobConf);
    job.statementType = 'LOAD';
    this.runLoad(job, load, data).catch((e) => {
      job.error = e instanceof BqError ? e : fromDuck(e);
    }).finally(() => this.finishJob(job));
    return job;
  }

  async runLoad(job, load, data) {
    const fault = this.takeJobFault(job, 'load', ['LOAD'], false);
    if (fault && fault.error && fault.when === 'before') throw fault.error;
    job.state = 'RUNNING';
    job.startTime = String(now());
    await sleep(job.latencyMs);
    const fmt = String(load.sourceFormat || 'CSV').toUpperCase();
    if (fmt !== 'NEWLINE_DELIMITED_JSON') throw new BqError('invalid', `Unsupported by the BigQuery emulator: sourceFormat ${fmt} (use NEWLINE_DELIMITED_JSON)`);
    const dest = load.destinationTable || {};
    const p = dest.projectId || job.projectId;
    const d = dest.datasetId;
    const t = dest.tableId;
    if (!d || !t) throw new BqError('invalid', 'Load configuration must specify destination table');
    this.needDataset(p, d, job.location);
    const write = String(load.writeDisposition || 'WRITE_APPEND').toUpperCase();
    const create = String(load.createDisposition || 'CREATE_IF_NEEDED').toUpperCase();
    let columns = load.schema && load.schema.fields ? T.columnsOfFields(load.schema.fields, 'load schema') : null;
    let tbl = this.table(p, d, t);
    if (!tbl && create === 'CREATE_NEVER') throw notFound(`Not found: Table ${tableId(p, d, t)}`);
    if (!tbl && !columns) throw new BqError('invalid', 'No schema specified on job or table.');
    if (load.autodetect && !columns && !tbl) throw new BqError('invalid', 'Unsupported by the BigQuery emulator: schema autodetection');
    if (tbl && columns && write !== 'WRITE_TRUNCATE') checkSameSchema(tbl, columns);
    this.tableUpdates.check(tableId(p, d, t)); // a load writing a table is a table update operation
    const useCols = columns || tbl.columns;
    // Read and check every row before touching the table: a bad row loads nothing.
    const text = data.toString('utf8');
    const rows = [];
    const errors = [];
    let pos = 0;
    const maxBad = Number(load.maxBadRecords || 0);
    const lines = text.split('\n');
    for (const line of lines) {
      const start = pos;
      pos += Buffer.byteLength(line, 'utf8') + 1;
      if (line.trim() === '') continue;
      try {
        let obj;
        try {
          obj = JSON.parse(line);
        } catch (e) {
          throw new RowError(`Parser terminated before end of string`);
        }
        if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new RowError('Top-level JSON value is not an object');
        rows.push(canonicalObject(obj, useCols, '', { ignoreUnknownValues: load.ignoreUnknownValues }));
      } catch (e) {
        if (!(e instanceof RowError)) throw e;
        errors.push({ reason: 'invalid', message: `Error while reading data, error message: JSON parsing error in row starting at position ${start}: ${e.message}` });
      }
    }
    job.loadStats = { inputFiles: '1', inputFileBytes: String(data.length), outputRows: '0', outputBytes: '0', badRecords: String(errors.length) };
    if (errors.length > maxBad) {
      const err = new BqError('invalid', `Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: ${rows.length + errors.length}; errors: ${errors.length}. Please look into the errors[] collection for more details.`);
      err.errors = [err.entry()].concat(errors.slice(0, 5));
      throw err;
    }
    const conn = await this.instance.connect();
    try {
      if (!tbl) {
        tbl = await this.createTable(conn, p, d, t, layoutFromRest(load, columns), { location: job.location });
      } else if (write === 'WRITE_TRUNCATE' && columns && !sameColumns(tbl.columns, columns)) {
        const keep = { timePartitioning: tbl.timePartitioning, clustering: tbl.clustering, expirationTime: tbl.expirationTime };
        tbl = await this.createTable(conn, p, d, t, Object.assign(keep, layoutFromRest(load, columns)), { orReplace: true, location: job.location });
      } else if (write === 'WRITE_EMPTY' && Number(await this.numRows(tbl)) > 0) {
        throw new BqError('duplicate', `Already Exists: Table ${tableId(p, d, t)}`);
      }
      await conn.run('BEGIN TRANSACTION');
      let undo = null;
      try {
        if (write === 'WRITE_TRUNCATE') await conn.run(`DELETE FROM ${duckTable(p, d, t)}`);
        await insertJsonRows(conn, tbl, rows);
        // WRITE_TRUNCATE replaces the rows: a committed mutation (before DuckDB's COMMIT, see lib/conflicts.js)
        if (write === 'WRITE_TRUNCATE') undo = this.conflicts.replacing(tbl);
        await conn.run('COMMIT');
      } catch (e) {
        if (undo) undo();
        await conn.run('ROLLBACK').catch(() => {});
        throw e;
      }
      tbl.lastModifiedTime = String(now());
      job.loadStats.outputRows = String(rows.length);
      job.tables.push(tableId(p, d, t));
      this.tableUpdates.take(tableId(p, d, t), false);
      if (fault && fault.error) throw fault.error; // when: "after": loaded, and says it failed
    } finally {
      conn.closeSync();
    }
  }

  // tabledata.insertAll: streams rows (they then sit in the streaming buffer).
  async insertAll(tbl, body) {
    const rows = Array.isArray(body.rows) ? body.rows : [];
    const good = [];
    const insertErrors = [];
    rows.forEach((r, index) => {
      try {
        good.push({ index, row: canonicalObject(r.json || {}, tbl.columns, '', { ignoreUnknownValues: body.ignoreUnknownValues }) });
      } catch (e) {
        if (!(e instanceof RowError)) throw e;
        insertErrors.push({ index, errors: [{ reason: 'invalid', location: e.field || '', debugInfo: '', message: e.message }] });
      }
    });
    if (insertErrors.length > 0 && !body.skipInvalidRows) {
      for (const g of good) insertErrors.push({ index: g.index, errors: [{ reason: 'stopped', location: '', debugInfo: '', message: '' }] });
      insertErrors.sort((a, b) => a.index - b.index);
      return { kind: 'bigquery#tableDataInsertAllResponse', insertErrors };
    }
    const conn = await this.instance.connect();
    try {
      await insertJsonRows(conn, tbl, good.map((g) => g.row));
    } finally {
      conn.closeSync();
    }
    if (good.length) tbl.streamingUntil = now() + this.config.streamingBufferSeconds * 1000;
    tbl.lastModifiedTime = String(now());
    const out = { kind: 'bigquery#tableDataInsertAllResponse' };
    if (insertErrors.length) out.insertErrors = insertErrors;
    return out;
  }

  async createTableRest(p, body) {
    const ref = body.tableReference || {};
    if (!ref.tableId) throw new BqError('invalid', 'Required parameter is missing: tableReference.tableId');
    const d = ref.datasetId;
    const columns = body.schema && body.schema.fields ? T.columnsOfFields(body.schema.fields, 'table schema') : [];
    const spec = layoutFromRest(body, columns);
    spec.expirationTime = body.expirationTime;
    spec.description = body.description;
    spec.labels = body.labels;
    spec.requirePartitionFilter = body.requirePartitionFilter;
    const id = tableId(ref.projectId || p, d, ref.tableId);
    this.tableUpdates.check(id); // tables.insert: HTTP 403 rateLimitExceeded past the rate
    const conn = await this.instance.connect();
    try {
      const tbl = await this.createTable(conn, ref.projectId || p, d, ref.tableId, spec, {});
      this.tableUpdates.take(id, false);
      return tbl;
    } finally {
      conn.closeSync();
    }
  }

  async readTable(tbl, offset, limit, selected) {
    const cols = selected ? selected.map((n) => {
      const c = tbl.columns.find((x) => x.name.toLowerCase() === n.toLowerCase());
      if (!c) throw new BqError('invalid', `Field ${n} not found in table ${tableId(tbl.projectId, tbl.datasetId, tbl.tableId)}`);
      return T.quoteIdent(c.name);
    }).join(', ') : '*';
    const r = await this.admin.runAndReadAll(
      `SELECT ${cols} FROM ${duckTable(tbl.projectId, tbl.datasetId, tbl.tableId)} ORDER BY rowid LIMIT ${Number(limit)} OFFSET ${Number(offset)}`);
    return { types: r.columnTypes(), rows: r.getRows() };
  }
}

// {inserted, updated, deleted} of a DML statement's DuckDB result (MERGE
// returns one merge_action row per row it touched).
function dmlCounts(st, r) {
  const c = { inserted: 0, updated: 0, deleted: 0 };
  if (st.kind === 'MERGE') {
    for (const row of r.getRows()) {
      if (row[0] === 'INSERT') c.inserted++;
      else if (row[0] === 'UPDATE') c.updated++;
      else if (row[0] === 'DELETE') c.deleted++;
    }
  } else {
    const n = Number(r.rowsChanged);
    if (st.kind === 'INSERT') c.inserted = n;
    else if (st.kind === 'UPDATE') c.updated = n;
    else c.deleted = n;
  }
  return c;
}

function etag(s) {
  return crypto.createHash('md5').update(String(s)).digest('base64');
}

function checkSameSchema(tbl, columns) {
  for (const c of columns) {
    const old = tbl.columns.find((x) => x.name.toLowerCase() === c.name.toLowerCase());
    if (!old) throw new BqError('invalid', `Provided Schema does not match Table ${tableId(tbl.projectId, tbl.datasetId, tbl.tableId)}. Cannot add fields (field: ${c.name})`);
    if (T.typeName(old.type) !== T.typeName(c.type)) {
      throw new BqError('invalid', `Provided Schema does not match Table ${tableId(tbl.projectId, tbl.datasetId, tbl.tableId)}. Field ${c.name} has changed type from ${T.typeName(old.type)} to ${T.typeName(c.type)}`);
    }
    if (old.mode !== c.mode) {
      throw new BqError('invalid', `Provided Schema does not match Table ${tableId(tbl.projectId, tbl.datasetId, tbl.tableId)}. Field ${c.name} has changed mode from ${old.mode} to ${c.mode}`);
    }
  }
  for (const old of tbl.columns) {
    if (old.mode === 'REQUIRED' && !columns.find((c) => c.name.toLowerCase() === old.name.toLowerCase())) {
      throw new BqError('invalid', `Provided Schema does not match Table ${tableId(tbl.projectId, tbl.datasetId, tbl.tableId)}. Field ${old.name} is missing in new schema`);
    }
  }
}

function sameColumns(a, b) {
  return a.length === b.length && a.every((c, i) => c.name === b[i].name && T.typeName(c.type) === T.typeName(b[i].type) && c.mode === b[i].mode);
}

// REST timePartitioning / clustering -> a table spec.
function layoutFromRest(body, columns) {
  const spec = { columns };
  if (body.timePartitioning) {
    const tp = body.timePartitioning;
    spec.timePartitioning = { type: String(tp.type || 'DAY').toUpperCase() };
    if (tp.field) spec.timePartitioning.field = tp.field;
    if (tp.expirationMs) spec.timePartitioning.expirationMs = String(tp.expirationMs);
  }
  if (body.rangePartitioning) spec.rangePartitioning = body.rangePartitioning;
  if (body.clustering && Array.isArray(body.clustering.fields)) spec.clustering = { fields: body.clustering.fields };
  return spec;
}

const CLUSTER_TYPES = new Set(['STRING', 'INT64', 'NUMERIC', 'BIGNUMERIC', 'BOOL', 'DATE', 'DATETIME', 'TIMESTAMP', 'BYTES']);

function validateLayout(spec) {
  const col = (name) => spec.columns.find((c) => c.name.toLowerCase() === String(name).toLowerCase());
  const tp = spec.timePartitioning;
  if (tp) {
    if (!['DAY', 'HOUR', 'MONTH', 'YEAR'].includes(tp.type)) throw new BqError('invalid', `Invalid time partitioning type ${tp.type}`);
    if (tp.field) {
      const c = col(tp.field);
      if (!c) throw new BqError('invalid', `The field specified for time partitioning can only be a top-level field. Field ${tp.field} was not found`);
      if (!['DATE', 'TIMESTAMP', 'DATETIME'].includes(c.type.t)) {
        throw new BqError('invalid', `Partitioning field ${tp.field} must be of type DATE, DATETIME or TIMESTAMP but is ${T.typeName(c.type)}`);
      }
      if (c.type.t === 'DATE' && tp.type === 'HOUR') throw new BqError('invalid', 'HOUR partitioning is not supported for a DATE field');
    }
  }
  if (spec.clustering) {
    const f = spec.clustering.fields || [];
    if (f.length > 4) throw new BqError('invalid', `Too many clustering fields: ${f.length}, only 4 are allowed.`);
    for (const name of f) {
      const c = col(name);
      if (!c) throw new BqError('invalid', `The field specified for clustering cannot be found in the schema. Invalid field: ${name}.`);
      if (!CLUSTER_TYPES.has(c.type.t)) throw new BqError('invalid', `Field ${name} is of type ${T.typeName(c.type)} which is not supported for clustering`);
    }
  }
}

async function insertJsonRows(conn, tbl, rows) {
  if (rows.length === 0) return;
  const struct = T.duckType({ t: 'STRUCT', fields: tbl.columns.map((c) => ({ name: c.name, type: c.type })) });
  const sql = `INSERT INTO ${duckTable(tbl.projectId, tbl.datasetId, tbl.tableId)} BY NAME ` +
    `SELECT unnest(r) FROM (SELECT unnest(CAST(CAST($1 AS JSON) AS ${struct}[])) AS r)`;
  for (let k = 0; k < rows.length; k += 2000) {
    await conn.run(sql, [JSON.stringify(rows.slice(k, k + 2000))]);
  }
}

// Table path parts -> [project, dataset, table] using the job's defaults;
// null for a one-part name without a default dataset (temp / CTE names).
function resolveParts(parts, defaults, tok, strict) {
  if (parts.length === 3) return parts;
  if (parts.length === 2) return [defaults.project, parts[0], parts[1]];
  if (parts.length === 1) {
    if (defaults.dataset) return [defaults.dataset.projectId || defaults.project, defaults.dataset.datasetId, parts[0]];
    if (strict) throw invalidQuery(`Table "${parts[0]}" must be qualified with a dataset (e.g. dataset.table).`);
    return null;
  }
  throw invalidQuery(`Invalid table name: ${parts.join('.')}${T.at(tok)}`);
}

// ---------------------------------------------------------------- parameters

const { VARCHAR, BIGINT, DOUBLE, BOOLEAN, LIST } = duck;

function paramError(msg) {
  return new BqError('invalid', msg);
}

// One parameterValue of a parameterType -> {value, type (DuckDBType), sqlType}.
function bindParam(ptype, pvalue, label) {
  if (!ptype || typeof ptype.type !== 'string') throw paramError(`Query parameter ${label} has no parameterType.type`);
  const t = T.canonicalName(ptype.type);
  if (!t) throw paramError(`Invalid query parameter type ${ptype.type} for ${label}`);
  if (t === 'ARRAY') {
    const et = ptype.arrayType && T.canonicalName(ptype.arrayType.type);
    if (!et || et === 'ARRAY' || et === 'STRUCT') throw paramError(`Unsupported by the BigQuery emulator: ARRAY parameter ${label} of ${ptype.arrayType ? ptype.arrayType.type : 'nothing'}`);
    const vals = pvalue && Array.isArray(pvalue.arrayValues) ? pvalue.arrayValues : null;
    const items = vals ? vals.map((v, k) => scalarParam(et, v, `${label}[${k}]`)) : null;
    const native = et === 'INT64' ? BIGINT : et === 'FLOAT64' ? DOUBLE : et === 'BOOL' ? BOOLEAN : VARCHAR;
    if (items && items.some((x) => x === null)) throw paramError(`Array parameter ${label} cannot contain NULL elements`);
    return { value: items ? duck.listValue(items) : null, type: LIST(native), sqlType: T.duckType({ t: 'ARRAY', element: T.scalar(et) }) };
  }
  if (t === 'STRUCT') throw paramError(`Unsupported by the BigQuery emulator: STRUCT parameter ${label}`);
  const native = t === 'INT64' ? BIGINT : t === 'FLOAT64' ? DOUBLE : t === 'BOOL' ? BOOLEAN : VARCHAR;
  return { value: scalarParam(t, pvalue, label), type: native, sqlType: T.duckType(T.scalar(t)) };
}

function scalarParam(t, pvalue, label) {
  if (!pvalue || pvalue.value === undefined || pvalue.value === null) return null;
  // Google's JSON parser takes a number or a boolean for the proto's string
  // field (the Node client sends them so); objects and arrays are refused.
  const v = typeof pvalue.value === 'number' || typeof pvalue.value === 'boolean' ? String(pvalue.value) : pvalue.value;
  if (typeof v !== 'string') {
    throw paramError(`Invalid value at 'query_parameters.parameter_value.value' (TYPE_STRING), ${JSON.stringify(v)} (parameter ${label})`);
  }
  const bad = () => invalidQuery(`Invalid ${t} value: ${v} for query parameter ${label}`);
  switch (t) {
    case 'INT64':
      if (!/^[+-]?\d+$/.test(v.trim())) throw bad();
      return BigInt(v.trim());
    case 'FLOAT64': {
      const s = v.trim();
      if (/^[+-]?inf(inity)?$/i.test(s)) return s[0] === '-' ? -Infinity : Infinity;
      if (/^nan$/i.test(s)) return NaN;
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw bad();
      return Number(s);
    }
    case 'BOOL':
      if (!/^(true|false)$/i.test(v.trim())) throw bad();
      return v.trim().toLowerCase() === 'true';
    case 'DATE':
      if (!/^\d{4}-\d{1,2}-\d{1,2}$/.test(v.trim())) throw bad();
      return v.trim();
    default:
      return v;
  }
}

function prepareParams(q) {
  const named = new Map();
  const positional = [];
  const list = Array.isArray(q.queryParameters) ? q.queryParameters : [];
  const mode = String(q.parameterMode || (list.length && list[0].name ? 'NAMED' : 'POSITIONAL')).toUpperCase();
  list.forEach((p, k) => {
    if (mode === 'NAMED') {
      if (!p.name) throw paramError('Query parameters must all have names in NAMED parameter mode');
      const key = p.name.toLowerCase();
      if (named.has(key)) throw paramError(`Duplicate query parameter name: ${p.name}`);
      named.set(key, bindParam(p.parameterType, p.parameterValue, p.name));
    } else {
      positional.push(bindParam(p.parameterType, p.parameterValue, `#${k + 1}`));
    }
  });
  return { named, positional, mode };
}

// ---------------------------------------------------------------- scripts

class Interpreter {
  constructor(emu, job, conn, params, defaults, opts) {
    this.emu = emu;
    this.job = job;
    this.conn = conn;
    this.params = params;
    this.defaults = defaults;
    this.vars = new Map();
    this.temps = new Set();
    this.txn = null;
    this.rowCount = null;
    this.errorMessage = null;
    this.lastResult = null;
    this.lastDml = false;
    this.dmlRan = false;
    this.dml = { insertedRowCount: 0, updatedRowCount: 0, deletedRowCount: 0 };
    this.kinds = [];
    this.forceConflict = opts.forceConflict;
    this.latencyPending = opts.latencyPending;
    this.posIndex = 0;
  }

  async run(stmts) {
    for (const s of stmts) {
      await this.exec(s);
      // @@row_count is the previous statement's, when that was DML.
      if (s.type !== 'sql') this.rowCount = null;
    }
  }

  async exec(s) {
    if (this.referee) await this.referee.statement(this, s);
    switch (s.type) {
      case 'sql': return this.execSql(s);
      case 'declare': {
        this.kinds.push('DECLARE');
        for (const name of s.names) {
          const key = name.toLowerCase();
          if (this.vars.has(key)) throw invalidQuery(`Variable '${name}' has already been declared${T.at(s.tok)}`);
        }
        const v = await this.evaluate(s.expr, s.dtype);
        for (const name of s.names) this.vars.set(name.toLowerCase(), v);
        return undefined;
      }
      case 'set': {
        this.kinds.push('SET');
        const key = s.name.toLowerCase();
        if (!this.vars.has(key)) throw invalidQuery(`Undeclared variable: ${s.name}${T.at(s.tok)}`);
        this.vars.set(key, await this.evaluate(s.expr, this.vars.get(key).bqType));
        return undefined;
      }
      case 'if':
        this.kinds.push('IF');
        for (const b of s.branches) {
          const v = await this.evaluate(b.cond, T.scalar('BOOL'));
          if (v.value === true) return this.run(b.body);
        }
        if (s.orelse) return this.run(s.orelse);
        return undefined;
      case 'begin':
        this.kinds.push('BEGIN_TRANSACTION');
        if (this.txn) throw invalidQuery(`Transaction is already in progress${T.at(s.tok)}`);
        await this.conn.run('BEGIN TRANSACTION');
        this.txn = this.emu.conflicts.begin();
        return undefined;
      case 'commit': return this.commit(s);
      case 'rollback':
        this.kinds.push('ROLLBACK_TRANSACTION');
        if (!this.txn) throw invalidQuery(`There is no active transaction to roll back${T.at(s.tok)}`);
        await this.rollback();
        return undefined;
      case 'raise': {
        this.kinds.push('RAISE');
        let msg = this.errorMessage;
        if (s.expr) msg = (await this.evaluate(s.expr, T.scalar('STRING'))).value;
        if (msg === null || msg === undefined) msg = s.expr ? 'NULL' : 'RAISE without an active exception';
        const e = invalidQuery(String(msg));
        e.raised = true;
        throw e;
      }
      case 'assert': {
        this.kinds.push('ASSERT');
        const v = await this.evaluate(s.expr, T.scalar('BOOL'));
        if (v.value !== true) {
          const desc = s.desc ? (await this.evaluate(s.desc, T.scalar('STRING'))).value : s.expr.slice(0, -1).map((t) => t.raw).join(' ');
          throw invalidQuery(`Assertion failed: ${desc}`);
        }
        return undefined;
      }
      case 'block':
        try {
          await this.run(s.body);
        } catch (e) {
          if (!s.handler || !(e instanceof BqError)) throw e;
          if (this.txn) await this.rollback();
          const saved = this.errorMessage;
          this.errorMessage = e.message;
          await this.run(s.handler);
          this.errorMessage = saved;
        }
        return undefined;
      default:
        throw invalidQuery(`Unsupported statement ${s.type}`);
    }
  }

  async rollback() {
    this.txn = null;
    await this.conn.run('ROLLBACK').catch(() => {});
  }

  async commit(s) {
    this.kinds.push('COMMIT_TRANSACTION');
    if (!this.txn) throw invalidQuery(`There is no active transaction to commit${T.at(s.tok)}`);
    if (this.latencyPending) {
      this.latencyPending = false;
      await sleep(this.job.latencyMs);
    }
    const txn = this.txn;
    const loser = this.emu.conflicts.loser(txn);
    if (loser) {
      await this.rollback();
      throw conflictError(loser);
    }
    const undo = this.emu.conflicts.committing(txn, String(now()));
    try {
      await this.conn.run('COMMIT');
    } catch (e) {
      undo();
      this.txn = null;
      const tbl = [...txn.mutated.values(), ...txn.touched.values()][0];
      if (isDuckConflict(e) && tbl) throw conflictError(tbl);
      throw fromDuck(e);
    }
    this.txn = null;
  }

  // The translation context of one statement.
  context() {
    const it = this;
    const used = new Map();
    const ctx = {
      used,
      ctes: new Set(),
      refs: [],
      resolveTable(parts, tok) {
        if (parts.length === 1) {
          const low = parts[0].toLowerCase();
          if (ctx.ctes.has(low) || it.temps.has(low)) return T.quoteIdent(parts[0]);
        }
        if (parts.some((x) => x.toUpperCase() === 'INFORMATION_SCHEMA')) throw S.unsupported('INFORMATION_SCHEMA', tok);
        const [p, d, t] = resolveParts(parts, it.defaults, tok, true);
        const tbl = it.emu.needTable(p, d, t, it.job.location);
        ctx.refs.push(tbl);
        return duckTable(p, d, t);
      },
      param(name, tok) {
        if (it.params.mode !== 'NAMED' || !it.params.named.has(name.toLowerCase())) {
          throw invalidQuery(`Query parameter '${name}' not found${T.at(tok)}`);
        }
        const p = it.params.named.get(name.toLowerCase());
        const key = 'p_' + name.toLowerCase();
        used.set(key, p);
        return `CAST($${key} AS ${p.sqlType})`;
      },
      positional(tok) {
        const k = it.posIndex++;
        if (it.params.mode !== 'POSITIONAL' || k >= it.params.positional.length) {
          throw invalidQuery(`Positional query parameter ${k + 1} not found${T.at(tok)}`);
        }
        const p = it.params.positional[k];
        used.set('q_' + k, p);
        return `CAST($q_${k} AS ${p.sqlType})`;
      },
      variable(name) {
        const v = it.vars.get(String(name).toLowerCase());
        if (!v) return null;
        const key = 'v_' + name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
        used.set(key, v);
        return `CAST($${key} AS ${v.sqlType})`;
      },
      sysvar(name, tok) {
        const lit = (x) => (x === null || x === undefined ? 'CAST(NULL AS VARCHAR)' : S.sqlString(x));
        switch (name) {
          case 'row_count':
            used.set('s_row_count', { value: it.rowCount === null ? null : BigInt(it.rowCount), type: BIGINT });
            return 'CAST($s_row_count AS BIGINT)';
          case 'error.message':
            used.set('s_error_message', { value: it.errorMessage, type: VARCHAR });
            return 'CAST($s_error_message AS VARCHAR)';
          case 'project_id': return lit(it.job.projectId);
          case 'dataset_id': return lit(it.defaults.dataset ? it.defaults.dataset.datasetId : null);
          case 'dataset_project_id': return lit(it.defaults.dataset ? it.defaults.dataset.projectId || it.job.projectId : null);
          case 'current_job_id': case 'script.job_id': return lit(it.job.jobId);
          case 'time_zone': return lit('UTC');
          case 'error.statement_text': case 'error.formatted_stack_trace': return lit(null);
          default: throw S.unsupported(`system variable @@${name}`, tok);
        }
      },
    };
    return ctx;
  }

  bind(ctx, sql) {
    const values = {};
    const types = {};
    for (const [k, v] of ctx.used) {
      if (!new RegExp(`\\$${k}\\b`).test(sql)) continue;
      values[k] = v.value;
      types[k] = v.type;
    }
    return [values, types];
  }

  async query(ctx, sql) {
    const [values, types] = this.bind(ctx, sql);
    return this.conn.runAndReadAll(sql, values, types);
  }

  // Evaluate an expression (tokens) to {value, type, sqlType, bqType}.
  async evaluate(toks, bqType) {
    if (toks && this.referee) await this.referee.expression(this, toks);
    const ctx = this.context();
    let sql;
    if (toks) {
      const tr = new S.Translator(toks, ctx);
      const e = tr.tr(0, toks.length - 1);
      sql = bqType ? `SELECT CAST((${e}) AS ${T.duckType(bqType)})` : `SELECT (${e})`;
    } else {
      sql = `SELECT CAST(NULL AS ${T.duckType(bqType)})`;
    }
    let r;
    try {
      r = await this.query(ctx, sql);
    } catch (e) {
      throw fromDuck(e);
    }
    const type = r.columnTypes()[0];
    const rows = r.getRows();
    if (rows.length !== 1) throw invalidQuery('Scalar subquery produced more than one element');
    return { value: rows[0][0], type, sqlType: type.toString(), bqType: bqType || T.typeOfDuck(type) };
  }

  async execSql(s) {
    const ctx = this.context();
    let st;
    st = S.translateStatement(s.toks, ctx);
    this.kinds.push(st.kind);
    this.lastDml = false;
    if (st.ddl) {
      await this.execDdl(st, ctx);
      this.rowCount = null;
      return;
    }
    if (st.kind === 'SELECT') {
      let r;
      try {
        r = await this.query(ctx, st.sql);
      } catch (e) {
        throw fromDuck(e);
      }
      this.lastResult = { names: r.columnNames(), types: r.columnTypes(), rows: r.getRows() };
      this.rowCount = null;
      return;
    }
    await this.execDml(st, ctx);
  }

  async execDml(st, ctx) {
    const emu = this.emu;
    const parts = resolveParts(st.target.parts, this.defaults, st.target.tok, false);
    const tbl = parts && !(st.target.parts.length === 1 && this.temps.has(st.target.parts[0].toLowerCase()))
      ? emu.needTable(parts[0], parts[1], parts[2], this.job.location) : null;
    if (st.mutating && tbl) {
      if (tbl.streamingUntil > now()) {
        throw invalidQuery(`UPDATE or DELETE statement over table ${tbl.projectId}.${tbl.datasetId}.${tbl.tableId} would affect rows in the streaming buffer, which is not supported`);
      }
      if (this.forceConflict) {
        this.forceConflict = false;
        throw conflictError(tbl);
      }
    }
    if (st.mergeCheck) {
      let r;
      try {
        r = await this.query(ctx, st.mergeCheck);
      } catch (e) {
        throw fromDuck(e);
      }
      if (r.getRows().length > 0) throw invalidQuery('UPDATE/MERGE must match at most one source row for each target row');
    }
    let r;
    const run = () => this.query(ctx, st.sql);
    if (this.txn || !st.mutating || !tbl) {
      try {
        r = await run();
      } catch (e) {
        if (isDuckConflict(e) && tbl) throw conflictError(tbl);
        throw fromDuck(e);
      }
      if (this.txn && tbl) this.txn.touched.set(tableId(tbl.projectId, tbl.datasetId, tbl.tableId), tbl);
    } else {
      // Outside a transaction: the statement is its own transaction, whose
      // mutation (if it updated or deleted rows) counts as committed before
      // DuckDB's COMMIT, so no transaction's COMMIT check slips in between.
      // BigQuery retries a conflicting statement up to 3 times.
      for (let attempt = 0; ; attempt++) {
        let undo = null;
        try {
          await this.conn.run('BEGIN TRANSACTION');
          r = await run();
          undo = emu.conflicts.autocommit(tbl, dmlCounts(st, r));
          await this.conn.run('COMMIT');
          break;
        } catch (e) {
          if (undo) undo();
          await this.conn.run('ROLLBACK').catch(() => {});
          if (!isDuckConflict(e)) throw fromDuck(e);
          if (attempt >= 3) throw conflictError(tbl);
          await sleep(50 * (attempt + 1));
        }
      }
    }
    const { inserted: ins, updated: upd, deleted: del } = dmlCounts(st, r);
    // In a transaction, a mutation is what the statement did (rows updated or deleted), not its type.
    if (this.txn) emu.conflicts.statement(this.txn, tbl, { inserted: ins, updated: upd, deleted: del });
    this.dml.insertedRowCount += ins;
    this.dml.updatedRowCount += upd;
    this.dml.deletedRowCount += del;
    this.rowCount = ins + upd + del;
    this.lastDml = true;
    this.dmlRan = true;
    if (tbl) {
      tbl.lastModifiedTime = String(now());
      const id = tableId(tbl.projectId, tbl.datasetId, tbl.tableId);
      emu.tableUpdates.take(id, false); // DML counts toward the table update rate, never refused by it
      if (!this.job.tables.includes(id)) this.job.tables.push(id);
    }
  }

  async optionValues(opts, ctx) {
    const out = {};
    for (const o of opts || []) {
      if (o.name === 'labels') {
        // [("key", "value"), ...]: read the string literals pairwise.
        const strs = this.currentToks.slice(o.range[0], o.range[1]).filter((t) => t.t === 'str').map((t) => t.v);
        const labels = {};
        for (let k = 0; k + 1 < strs.length; k += 2) labels[strs[k]] = strs[k + 1];
        out.labels = { value: labels };
        continue;
      }
      const tr = new S.Translator(this.currentToks, ctx);
      const e = tr.tr(o.range[0], o.range[1]);
      const r = await this.query(ctx, `SELECT ${e}`).catch((err) => { throw fromDuck(err); });
      const type = r.columnTypes()[0];
      const v = r.getRows()[0][0];
      out[o.name] = { value: v, type };
    }
    return out;
  }

  async execDdl(st, ctx) {
    const d = st.ddl;
    const emu = this.emu;
    this.currentToks = st.translator.toks;
    if (this.txn && !(d.temp || (d.kind === 'DROP_TABLE' && d.path.parts.length === 1 && this.temps.has(d.path.parts[0].toLowerCase())))) {
      throw invalidQuery(`${d.kind.replace(/_/g, ' ')} statement is not supported inside a transaction`);
    }
    const parts = d.path.parts;
    if (d.kind === 'CREATE_SCHEMA' || d.kind === 'DROP_SCHEMA') {
      if (parts.length > 2) throw invalidQuery(`Invalid dataset name: ${parts.join('.')}`);
      const [p, ds] = parts.length === 2 ? parts : [this.job.projectId, parts[0]];
      if (d.kind === 'DROP_SCHEMA') {
        if (!emu.dataset(p, ds)) {
          if (d.ifExists) return;
          throw notFound(`Not found: Dataset ${p}:${ds}`);
        }
        await emu.deleteDataset(p, ds, d.cascade);
        return;
      }
      const o = await this.optionValues(d.options, ctx);
      const fields = { location: o.location ? String(o.location.value) : this.job.location };
      if (o.description) fields.description = String(o.description.value);
      if (o.default_table_expiration_days) fields.defaultTableExpirationMs = String(Math.round(Number(o.default_table_expiration_days.value) * 86400000));
      await emu.createDataset(p, ds, fields, d.ifNotExists);
      return;
    }
    // Tables.
    const temp = d.temp || (parts.length === 1 && this.temps.has(parts[0].toLowerCase()));
    if (temp) {
      if (parts.length !== 1) throw invalidQuery('Temporary tables may not be qualified');
      return this.tempDdl(d, st, ctx);
    }
    const [p, ds, t] = resolveParts(parts, this.defaults, d.path.tok, true);
    if (d.kind === 'DROP_TABLE') {
      await emu.dropTable(this.conn, p, ds, t, d.ifExists, this.job.location);
      return;
    }
    if (d.kind === 'ALTER_TABLE') {
      const tbl = emu.table(p, ds, t);
      if (!tbl) {
        if (d.ifExists) return;
        emu.needTable(p, ds, t, this.job.location);
      }
      emu.tableUpdates.take(tableId(p, ds, t), true); // DDL: a table update operation
      for (const a of d.actions) {
        if (a.type === 'options') {
          Object.assign(tbl, tableOptions(await this.optionValues(a.options, ctx)));
        } else {
          const exists = tbl.columns.find((c) => c.name.toLowerCase() === a.col.name.toLowerCase());
          if (exists) {
            if (a.ifNotExists) continue;
            throw invalidQuery(`Column already exists: ${a.col.name}`);
          }
          if (a.col.mode === 'REQUIRED') throw invalidQuery(`Cannot add REQUIRED columns to an existing table (column ${a.col.name})`);
          await this.conn.run(`ALTER TABLE ${duckTable(p, ds, t)} ADD COLUMN ${T.quoteIdent(a.col.name)} ${T.duckType(a.col.type)}`);
          tbl.columns.push({ name: a.col.name, type: a.col.type, mode: a.col.mode });
          tbl.fields = tbl.columns.map((c) => T.fieldOf(c.name, c.type, c.mode));
        }
      }
      tbl.lastModifiedTime = String(now());
      emu.saveCatalog();
      return;
    }
    // CREATE TABLE [AS SELECT]
    const tr = st.translator;
    let columns = d.columns ? d.columns.map((c) => ({
      name: c.name, type: c.type, mode: c.mode, dfltSql: c.dflt ? tr.tr(c.dflt[0], c.dflt[1]) : null,
    })) : null;
    let querySql = null;
    if (d.asQuery) {
      querySql = tr.tr(d.asQuery[0], d.asQuery[1]);
      if (!columns) {
        const r = await this.query(ctx, `SELECT * FROM (${querySql}) LIMIT 0`).catch((e) => { throw fromDuck(e); });
        columns = r.columnNames().map((n, k) => ({ name: n, type: T.typeOfDuck(r.columnTypes()[k]), mode: 'NULLABLE' }));
        for (const c of columns) {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c.name)) throw invalidQuery(`CREATE TABLE AS SELECT needs a name for every column (got "${c.name}")`);
          if (c.type.t === 'ARRAY') c.mode = 'REPEATED';
        }
      }
    }
    const o = await this.optionValues(d.options, ctx);
    const existed = emu.table(p, ds, t);
    const spec = Object.assign({ columns }, tableOptions(o));
    if (d.partitionBy) Object.assign(spec, partitionSpec(st.translator.toks, d.partitionBy, columns));
    if (d.clusterBy) spec.clustering = { fields: d.clusterBy.map((c) => c.name) };
    // DDL that creates or replaces the table is a table update operation (not
    // a CREATE … IF NOT EXISTS that found it).
    if (!(existed && d.ifNotExists)) emu.tableUpdates.check(tableId(p, ds, t));
    await emu.createTable(this.conn, p, ds, t, spec, { ifNotExists: d.ifNotExists, orReplace: d.orReplace, location: this.job.location });
    if (!(existed && d.ifNotExists)) emu.tableUpdates.take(tableId(p, ds, t), false);
    if (querySql && !(existed && d.ifNotExists)) {
      await this.query(ctx, `INSERT INTO ${duckTable(p, ds, t)} ${querySql}`).catch((e) => { throw fromDuck(e); });
    }
  }

  async tempDdl(d, st, ctx) {
    const name = d.path.parts[0];
    const low = name.toLowerCase();
    const q = T.quoteIdent(name);
    if (d.kind === 'DROP_TABLE') {
      if (!this.temps.has(low)) {
        if (d.ifExists) return;
        throw notFound(`Not found: Table ${name}`);
      }
      await this.conn.run(`DROP TABLE ${q}`);
      this.temps.delete(low);
      return;
    }
    if (d.kind !== 'CREATE_TABLE' && d.kind !== 'CREATE_TABLE_AS_SELECT') throw S.unsupported(`${d.kind} on a temporary table`);
    if (this.temps.has(low)) {
      if (d.ifNotExists) return;
      if (!d.orReplace) throw new BqError('duplicate', `Already Exists: Table ${name}`);
      await this.conn.run(`DROP TABLE ${q}`);
    }
    const tr = st.translator;
    if (d.columns) {
      const cols = d.columns.map((c) => `${T.quoteIdent(c.name)} ${T.duckType(c.type)}${c.mode === 'REQUIRED' ? ' NOT NULL' : ''}`);
      await this.conn.run(`CREATE TEMP TABLE ${q} (${cols.join(', ')})`);
      if (d.asQuery) await this.query(ctx, `INSERT INTO ${q} ${tr.tr(d.asQuery[0], d.asQuery[1])}`).catch((e) => { throw fromDuck(e); });
    } else {
      await this.query(ctx, `CREATE TEMP TABLE ${q} AS ${tr.tr(d.asQuery[0], d.asQuery[1])}`).catch((e) => { throw fromDuck(e); });
    }
    this.temps.add(low);
  }
}

function tableOptions(o) {
  const spec = {};
  if (o.expiration_timestamp) {
    const v = o.expiration_timestamp.value;
    spec.expirationTime = v === null ? null : String(Math.floor(Number(v.micros) / 1000));
  }
  if (o.description) spec.description = o.description.value === null ? null : String(o.description.value);
  if (o.friendly_name) spec.friendlyName = String(o.friendly_name.value);
  if (o.require_partition_filter) spec.requirePartitionFilter = o.require_partition_filter.value === true;
  if (o.labels) spec.labels = o.labels.value;
  return spec;
}

const PARTITION_MSG = 'PARTITION BY expression must be _PARTITIONDATE, DATE(_PARTITIONTIME), DATE(<timestamp_column>), ' +
  'DATE(<datetime_column>), DATETIME_TRUNC(<datetime_column>, DAY/HOUR/MONTH/YEAR), a DATE column, ' +
  'TIMESTAMP_TRUNC(<timestamp_column>, DAY/HOUR/MONTH/YEAR), DATE_TRUNC(<date_column>, MONTH/YEAR), or ' +
  'RANGE_BUCKET(<int64_column>, GENERATE_ARRAY(<int64_value>, <int64_value>[, <int64_value>]))';

// PARTITION BY tokens -> {timePartitioning} or {rangePartitioning}.
function partitionSpec(toks, [s, e], columns) {
  const bad = () => invalidQuery(PARTITION_MSG + T.at(toks[s]));
  const colType = (tok) => {
    if (!tok || (tok.t !== 'id' && tok.t !== 'qid')) throw bad();
    const c = columns.find((x) => x.name.toLowerCase() === tok.v.toLowerCase());
    if (!c) throw invalidQuery(`Unrecognized name: ${tok.v}${T.at(tok)}`);
    return c;
  };
  const n = e - s;
  const t0 = toks[s];
  if (n === 1) {
    if (S.isKw(t0, '_PARTITIONDATE')) return { timePartitioning: { type: 'DAY' } };
    const c = colType(t0);
    if (c.type.t !== 'DATE') throw bad();
    return { timePartitioning: { type: 'DAY', field: c.name } };
  }
  if (!(t0.t === 'id' && S.isOp(toks[s + 1], '(') && S.isOp(toks[e - 1], ')'))) throw bad();
  const args = [];
  let k = s + 2;
  while (k < e - 1) {
    args.push(toks[k]);
    k++;
  }
  const fname = t0.u;
  if (fname === 'DATE' && args.length === 1) {
    if (S.isKw(args[0], '_PARTITIONTIME')) return { timePartitioning: { type: 'DAY' } };
    const c = colType(args[0]);
    if (c.type.t !== 'TIMESTAMP' && c.type.t !== 'DATETIME') throw bad();
    return { timePartitioning: { type: 'DAY', field: c.name } };
  }
  if (['DATE_TRUNC', 'TIMESTAMP_TRUNC', 'DATETIME_TRUNC'].includes(fname) && args.length === 3 && S.isOp(args[1], ',')) {
    const c = colType(args[0]);
    const unit = args[2].u;
    const want = fname === 'DATE_TRUNC' ? 'DATE' : fname === 'TIMESTAMP_TRUNC' ? 'TIMESTAMP' : 'DATETIME';
    const units = fname === 'DATE_TRUNC' ? ['MONTH', 'YEAR'] : ['DAY', 'HOUR', 'MONTH', 'YEAR'];
    if (c.type.t !== want || !units.includes(unit)) throw bad();
    return { timePartitioning: { type: unit, field: c.name } };
  }
  if (fname === 'RANGE_BUCKET') {
    const c = colType(args[0]);
    const nums = args.filter((x) => x.t === 'num').map((x) => x.v);
    if (c.type.t !== 'INT64' || nums.length < 2) throw bad();
    return { rangePartitioning: { field: c.name, range: { start: nums[0], end: nums[1], interval: nums[2] || '1' } } };
  }
  throw bad();
}

module.exports = { Emulator, tableId, duckTable, fromDuck, resolveParts, prepareParams };
