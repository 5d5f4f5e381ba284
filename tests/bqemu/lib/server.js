'use strict';
// The HTTP face of the emulator: BigQuery REST v2 routes, the upload route
// for multipart load jobs, the OAuth token endpoint and the GCE metadata
// token, bearer-token checks, injected HTTP faults, the request log, and the
// /_emu control API (see README.md).

const http = require('http');
const fs = require('fs');
const crypto = require('crypto');
const { BqError, invalidQuery } = require('./errors');
const T = require('./types');
const { Emulator, tableId } = require('./engine');
const { prng } = require('./prng');
const auth = require('./auth');
const jobfaults = require('./jobfaults');
const quota = require('./quota');
const lists = require('./lists');
const { Resumable } = require('./resumable');

const JSON_TYPE = 'application/json; charset=UTF-8';

function defaults() {
  return {
    latencyMs: 0, pendingPolls: 0, dmlRunning: 2, dmlQueue: 20, maxPageRows: 10000, resultRowsBudget: 5000000,
    streamingBufferSeconds: 1800, requestIdTtlMs: 600000, defaultLocation: 'US', strictAuth: false,
    failNext: [], failRate: null, unauthorizedNext: 0, serializationConflictNext: 0, jobErrorNext: null,
    tokens: [], expiredTokens: [], trustKeys: [], refreshClients: [], tokenAudience: null,
    dataDir: null, seed: 1, sqlLog: null, ...auth.defaults(),
    tableUpdateRate: Object.assign({}, quota.DEFAULT), listPageSize: null,
  };
}

const CONFIG_KEYS = new Set(Object.keys(defaults()).filter((k) => k !== 'dataDir'));

function fingerprint(token) {
  return crypto.createHash('sha256').update(token).digest('hex').slice(0, 12);
}

const FAULTS = {
  401: ['authError', 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'],
  403: ['rateLimitExceeded', 'PERMISSION_DENIED', 'Exceeded rate limits: too many table update operations for this table.'],
  429: ['rateLimitExceeded', 'RESOURCE_EXHAUSTED', 'Exceeded rate limits: too many api requests per user per method for this user_method.'],
  500: ['backendError', 'INTERNAL', 'Error encountered during execution. Retrying may solve the problem.'],
  502: ['backendError', 'UNAVAILABLE', 'Bad Gateway'],
  503: ['backendError', 'UNAVAILABLE', 'The service is currently unavailable.'],
  504: ['backendError', 'DEADLINE_EXCEEDED', 'Deadline exceeded.'],
};

// The body of an injected HTTP fault; f.reason / f.message / f.quota (a
// failNext entry's) override the status's usual reason and message (e.g.
// {"status":403,"reason":"quotaExceeded","quota":"queryBytes"}).
function faultBody(status, f) {
  let [reason, st, message] = FAULTS[status] || ['backendError', 'UNKNOWN', `Injected HTTP ${status}`];
  if (f && f.reason) {
    reason = f.reason;
    message = f.message || (reason === 'quotaExceeded' ? jobfaults.quotaMessage(f.quota) : message);
  } else if (f && f.message) {
    message = f.message;
  }
  return { error: { code: status, message, errors: [{ message, domain: 'global', reason }], status: st } };
}

function unauthorized(missing) {
  const message = missing
    ? 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.'
    : FAULTS[401][2];
  const e = { message: missing ? 'Login Required.' : 'Invalid Credentials', domain: 'global', reason: missing ? 'required' : 'authError', location: 'Authorization', locationType: 'header' };
  return { error: { code: 401, message, errors: [e], status: 'UNAUTHENTICATED' } };
}

class Server {
  constructor(config) {
    this.config = Object.assign(defaults(), config);
    this.emu = new Emulator(this.config);
    this.log = [];
    this.seq = 0;
    this.logStream = null;
    this.rand = prng(this.config.seed);
    this.resumable = new Resumable();
  }

  async start(port, host) {
    await this.emu.init();
    if (this.config.logFile) this.logStream = fs.createWriteStream(this.config.logFile, { flags: 'a' });
    this.http = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        process.stderr.write(`bqemu: ${e.stack || e}\n`);
        if (!res.headersSent) this.send(res, 500, faultBody(500));
      });
    });
    this.http.keepAliveTimeout = 30000;
    await new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host || '127.0.0.1', resolve);
    });
    this.port = this.http.address().port;
    return this.port;
  }

  async stop() {
    await new Promise((r) => this.http.close(r));
    if (typeof this.http.closeAllConnections === 'function') this.http.closeAllConnections();
    if (this.emu.referee) await this.emu.referee.stop();
    if (this.logStream) await new Promise((r) => this.logStream.end(r));
  }

  send(res, status, body, headers) {
    const h = Object.assign({}, headers || {});
    let data = '';
    if (body !== null && body !== undefined) {
      data = typeof body === 'string' ? body : JSON.stringify(body);
      if (!h['Content-Type']) h['Content-Type'] = typeof body === 'string' ? 'text/plain; charset=UTF-8' : JSON_TYPE;
    }
    h['Content-Length'] = Buffer.byteLength(data);
    res.writeHead(status, h);
    res.end(data);
  }

  record(entry) {
    this.log.push(entry);
    if (this.log.length > 100000) this.log.splice(0, this.log.length - 100000);
    if (this.logStream) this.logStream.write(JSON.stringify(entry) + '\n');
  }

  async readBody(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    return Buffer.concat(chunks);
  }

  // The injected HTTP fault for this request, if any.
  pickFault(method, pathname) {
    const c = this.config;
    const matches = (f) => (!f.path || pathname.includes(f.path)) && (!f.method || f.method.toUpperCase() === method);
    for (const f of c.failNext || []) {
      if ((f.count === undefined || f.count > 0) && matches(f)) {
        if (f.count !== undefined) f.count--;
        return { status: Number(f.status || 503), retryAfter: f.retryAfter, when: f.when || 'before', reason: f.reason, message: f.message, quota: f.quota };
      }
    }
    const r = c.failRate;
    if (r && r.fraction > 0 && matches(r)) {
      if (this.rand() < r.fraction) {
        const statuses = r.statuses && r.statuses.length ? r.statuses : [503];
        const status = Number(statuses[Math.floor(this.rand() * statuses.length)]);
        return { status, retryAfter: r.retryAfter, when: r.when || 'before' };
      }
    }
    return null;
  }

  sendFault(res, fault) {
    const headers = {};
    if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
    this.send(res, fault.status, faultBody(fault.status, fault), headers);
  }

  // Bearer token check: null when accepted, else the 401 body.
  checkAuth(req, entry) {
    const h = req.headers.authorization;
    if (!h) return unauthorized(true);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (!m) return unauthorized(false);
    const token = m[1];
    entry.token = fingerprint(token);
    const c = this.config;
    if (c.unauthorizedNext > 0) {
      c.unauthorizedNext--;
      return unauthorized(false);
    }
    if ((c.expiredTokens || []).includes(token)) return unauthorized(false);
    const issued = this.emu.tokens.get(token);
    if (issued) entry.tokenSource = issued.source;
    if (issued && issued.expires < Date.now()) return unauthorized(false);
    if (c.strictAuth && !issued && !(c.tokens || []).includes(token)) return unauthorized(false);
    return null;
  }

  async handle(req, res) {
    const t0 = Date.now();
    const url = new URL(req.url, 'http://localhost');
    const pathname = url.pathname;
    const body = await this.readBody(req);
    if (pathname.startsWith('/_emu/')) return this.control(req, res, url, body);
    await this.emu.sweepExpired();
    const entry = {
      seq: ++this.seq, time: new Date(t0).toISOString(), method: req.method, path: pathname,
      query: [...new Set(url.searchParams.keys())].sort(),
    };
    const finish = (status) => {
      entry.status = status;
      entry.ms = Date.now() - t0;
      this.record(entry);
    };
    entry.api = apiName(req.method, pathname);
    noteIds(entry, pathname, body);
    const fault = this.pickFault(req.method, pathname);
    if (fault && fault.when !== 'after') {
      entry.fault = fault.status;
      this.sendFault(res, fault);
      return finish(fault.status);
    }
    let out;
    try {
      const api = pathname.startsWith('/bigquery/') || pathname.startsWith('/upload/');
      const denied = api ? this.checkAuth(req, entry) : null;
      if (denied) {
        out = { status: 401, body: denied, headers: { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/"' } };
      } else {
        out = await this.route(req, url, body, entry);
      }
    } catch (e) {
      if (!(e instanceof BqError)) {
        process.stderr.write(`bqemu: ${e.stack || e}\n`);
        e = new BqError('internalError', `internal error: ${e.message}`);
      }
      out = { status: e.code, body: e.body() };
      entry.error = e.reason;
    }
    if (fault) {
      entry.fault = fault.status;
      entry.actedStatus = out.status;
      this.sendFault(res, fault);
      return finish(fault.status);
    }
    this.send(res, out.status, out.body, out.headers);
    return finish(out.status);
  }

  json(body) {
    if (body.length === 0) return {};
    try {
      const v = JSON.parse(body.toString('utf8'));
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      return v;
    } catch (e) {
      throw new BqError('parseError', `Invalid JSON payload received. ${e.message}`, { code: 400, status: 'INVALID_ARGUMENT' });
    }
  }

  async route(req, url, body, entry) {
    const m = req.method;
    const p = url.pathname.split('/').map((x) => decodeURIComponent(x));
    const q = url.searchParams;
    const ok = (b) => ({ status: 200, body: b });
    const a = auth.route(this, req, url, body, entry); // STS, IAM Credentials, a URL subject token
    if (a) return a;
    // /token, /computeMetadata
    if (url.pathname === '/token' && m === 'POST') {
      entry.api = 'oauth.token';
      return this.token(req, body, entry);
    }
    if (url.pathname.startsWith('/computeMetadata/v1/')) {
      entry.api = 'metadata';
      return this.metadata(req, url);
    }
    const up = p[1] === 'upload';
    const base = up ? 4 : 3; // ['', 'bigquery', 'v2', 'projects', P, ...] or ['', 'upload', 'bigquery', 'v2', 'projects', P]
    if (!((p[1] === 'bigquery' && p[2] === 'v2') || (up && p[2] === 'bigquery' && p[3] === 'v2')) || p[base] !== 'projects' || !p[base + 1]) {
      throw new BqError('notFound', `Not found: URL ${url.pathname}`);
    }
    const proj = p[base + 1];
    const rest = p.slice(base + 2);
    const R = (pattern) => rest.length === pattern.length && pattern.every((x, k) => x === '*' || x === rest[k]);
    const emu = this.emu;
    if (up) {
      if (R(['jobs']) && (m === 'POST' || m === 'PUT')) {
        entry.api = 'jobs.insert(upload)';
        return this.upload(req, url, body, proj, entry);
      }
      throw new BqError('notFound', `Not found: URL ${url.pathname}`);
    }
    if (R(['queries']) && m === 'POST') {
      entry.api = 'jobs.query';
      return this.query(proj, this.json(body), entry);
    }
    if (R(['queries', '*']) && m === 'GET') {
      entry.api = 'jobs.getQueryResults';
      entry.jobId = rest[1];
      return ok(await this.getQueryResults(proj, rest[1], q));
    }
    if (R(['jobs']) && m === 'POST') {
      entry.api = 'jobs.insert';
      return this.insertJob(proj, this.json(body), entry);
    }
    if (R(['jobs']) && m === 'GET') {
      entry.api = 'jobs.list';
      return ok(lists.jobList(proj, [...emu.jobs.values()], q, this.config, (j) => {
        const r = this.jobResource(j, false);
        r.state = r.status.state;
        if (r.status.errorResult) r.errorResult = r.status.errorResult;
        return r;
      }));
    }
    if (R(['jobs', '*']) && m === 'GET') {
      entry.api = 'jobs.get';
      entry.jobId = rest[1];
      const job = emu.findJob(proj, rest[1], q.get('location'));
      return ok(this.jobResource(job, true));
    }
    if (R(['jobs', '*', 'cancel']) && m === 'POST') {
      entry.api = 'jobs.cancel';
      entry.jobId = rest[1];
      const job = emu.findJob(proj, rest[1], q.get('location'));
      return ok({ kind: 'bigquery#jobCancelResponse', job: this.jobResource(job, false) });
    }
    if (R(['datasets']) && m === 'GET') {
      entry.api = 'datasets.list';
      return ok(lists.datasetList(proj, emu.projectOf(proj).values(), q, this.config));
    }
    if (R(['datasets']) && m === 'POST') {
      entry.api = 'datasets.insert';
      const b = this.json(body);
      const ref = b.datasetReference || {};
      if (!ref.datasetId) throw new BqError('invalid', 'Required parameter is missing: datasetReference.datasetId');
      if (ref.projectId && ref.projectId !== proj) throw new BqError('invalid', `Project ID ${ref.projectId} in the dataset reference does not match ${proj}`);
      const fields = { location: b.location || this.config.defaultLocation };
      for (const k of ['description', 'labels', 'friendlyName', 'defaultTableExpirationMs']) if (b[k] !== undefined) fields[k] = b[k];
      const ds = await emu.createDataset(proj, ref.datasetId, fields, false);
      return ok(emu.datasetResource(ds));
    }
    if (R(['datasets', '*'])) {
      const d = rest[1];
      if (m === 'GET') {
        entry.api = 'datasets.get';
        return ok(emu.datasetResource(emu.needDataset(proj, d)));
      }
      if (m === 'DELETE') {
        entry.api = 'datasets.delete';
        await emu.deleteDataset(proj, d, q.get('deleteContents') === 'true');
        return { status: 204, body: null };
      }
      if (m === 'PATCH' || m === 'PUT') {
        entry.api = 'datasets.patch';
        const ds = emu.needDataset(proj, d);
        const b = this.json(body);
        for (const k of ['description', 'labels', 'friendlyName', 'defaultTableExpirationMs']) if (b[k] !== undefined) ds[k] = b[k];
        ds.lastModifiedTime = String(Date.now());
        emu.saveCatalog();
        return ok(emu.datasetResource(ds));
      }
    }
    if (R(['datasets', '*', 'tables'])) {
      const d = rest[1];
      if (m === 'GET') {
        entry.api = 'tables.list';
        const ds = emu.needDataset(proj, d);
        const live = [...ds.tables.values()].filter((t) => emu.table(proj, d, t.tableId));
        return ok(lists.tableList(proj, d, live, q, this.config, (t) => ({
          kind: 'bigquery#table', id: tableId(proj, d, t.tableId), tableReference: { projectId: proj, datasetId: d, tableId: t.tableId }, type: 'TABLE',
          timePartitioning: t.timePartitioning, clustering: t.clustering, creationTime: t.creationTime, expirationTime: t.expirationTime,
        })));
      }
      if (m === 'POST') {
        entry.api = 'tables.insert';
        const b = this.json(body);
        b.tableReference = Object.assign({ projectId: proj, datasetId: d }, b.tableReference || {});
        const tbl = await emu.createTableRest(proj, b);
        return ok(await emu.tableResource(tbl));
      }
    }
    if (R(['datasets', '*', 'tables', '*'])) {
      const [d, t] = [rest[1], rest[3]];
      if (m === 'GET') {
        entry.api = 'tables.get';
        return ok(await emu.tableResource(emu.needTable(proj, d, t)));
      }
      if (m === 'DELETE') {
        entry.api = 'tables.delete';
        await emu.dropTable(emu.admin, proj, d, t, false);
        return { status: 204, body: null };
      }
      if (m === 'PATCH' || m === 'PUT') {
        entry.api = m === 'PUT' ? 'tables.update' : 'tables.patch';
        const tbl = emu.needTable(proj, d, t);
        const b = this.json(body);
        emu.tableUpdates.take(tableId(proj, d, t), true); // HTTP 403 rateLimitExceeded past the rate
        for (const k of ['expirationTime', 'description', 'labels', 'friendlyName', 'requirePartitionFilter']) if (b[k] !== undefined) tbl[k] = b[k];
        tbl.lastModifiedTime = String(Date.now());
        emu.saveCatalog();
        return ok(await emu.tableResource(tbl));
      }
    }
    if (R(['datasets', '*', 'tables', '*', 'data']) && m === 'GET') {
      entry.api = 'tabledata.list';
      return ok(await this.tableData(emu.needTable(proj, rest[1], rest[3]), q));
    }
    if (R(['datasets', '*', 'tables', '*', 'insertAll']) && m === 'POST') {
      entry.api = 'tabledata.insertAll';
      entry.kind = 'insertAll';
      const tbl = emu.needTable(proj, rest[1], rest[3]);
      return ok(await emu.insertAll(tbl, this.json(body)));
    }
    throw new BqError('notFound', `Not found: URL ${url.pathname}`);
  }

  // ------------------------------------------------------------ query API

  checkQueryConfig(qc) {
    if (!qc.query || typeof qc.query !== 'string') throw new BqError('invalid', 'Required parameter is missing: query');
    if (qc.useLegacySql !== false) {
      throw invalidQuery('Legacy SQL is not supported by the BigQuery emulator: set useLegacySql to false');
    }
    if (qc.destinationTable) throw invalidQuery('Unsupported by the BigQuery emulator: query destinationTable');
    if (qc.connectionProperties && qc.connectionProperties.length) throw invalidQuery('Unsupported by the BigQuery emulator: connectionProperties (sessions)');
  }

  async query(proj, b, entry) {
    this.checkQueryConfig(b);
    if (b.requestId) {
      entry.requestId = b.requestId;
      const key = `${proj}/${b.requestId}`;
      const hit = this.emu.requestIds.get(key);
      if (hit && Date.now() - hit.time < this.config.requestIdTtlMs) {
        entry.replayed = true;
        const r = await hit.promise;
        entry.jobId = r.jobId;
        entry.kind = r.kind;
        return r.out;
      }
      const promise = this.runQueryRequest(proj, b);
      this.emu.requestIds.set(key, { time: Date.now(), promise });
      const r = await promise;
      entry.jobId = r.jobId;
      entry.kind = r.kind;
      entry.statements = r.statements;
      return r.out;
    }
    const r = await this.runQueryRequest(proj, b);
    entry.jobId = r.jobId;
    entry.kind = r.kind;
    entry.statements = r.statements;
    return r.out;
  }

  async runQueryRequest(proj, b) {
    const qconf = {
      query: b.query, useLegacySql: false, parameterMode: b.parameterMode, queryParameters: b.queryParameters,
      defaultDataset: b.defaultDataset,
    };
    if (b.dryRun) {
      return { jobId: null, kind: 'DRY_RUN', out: { status: 200, body: await this.dryRun(proj, b, qconf) } };
    }
    const job = this.emu.startQuery(proj, { location: b.location }, qconf, { query: qconf, dryRun: false, labels: b.labels });
    const timeout = b.timeoutMs !== undefined ? Number(b.timeoutMs) : 10000;
    if (job.hiddenPolls === 0) await this.emu.waitJob(job, timeout);
    const res = await this.resultsResponse(job, 'bigquery#queryResponse', {
      maxResults: b.maxResults, useInt64Timestamp: b.formatOptions && b.formatOptions.useInt64Timestamp,
    });
    if (res.status === 200 && String(b.jobCreationMode || '') === 'JOB_CREATION_OPTIONAL' && res.body.jobComplete &&
      !res.body.pageToken && job.statementType !== 'SCRIPT') {
      res.body.queryId = job.jobId;
      delete res.body.jobReference;
    } else if (res.status === 200 && b.jobCreationMode === 'JOB_CREATION_OPTIONAL') {
      res.body.jobCreationReason = { code: res.body.jobComplete ? 'LARGE_RESULTS' : 'LONG_RUNNING' };
    }
    return { jobId: job.jobId, kind: job.statementType, statements: job.statements, out: res };
  }

  // A dry run: the referee's verdict and bytes, nothing run (referee.js).
  async dryRun(proj, b, qconf) {
    const d = await this.emu.referee.dryRun(proj, qconf, b.location);
    const body = {
      kind: 'bigquery#queryResponse', jobReference: { projectId: proj, location: b.location || this.config.defaultLocation },
      jobComplete: true, totalBytesProcessed: d.bytes, cacheHit: false, statementType: d.statementType,
    };
    if (d.schema) body.schema = { fields: d.schema };
    return body;
  }

  // jobs.query / getQueryResults body for job (an HTTP error for a failed job).
  async resultsResponse(job, kind, opts) {
    const complete = this.emu.poll(job);
    const body = { kind, jobReference: { projectId: job.projectId, jobId: job.jobId, location: job.location }, jobComplete: complete };
    if (kind === 'bigquery#getQueryResultsResponse') body.etag = crypto.createHash('md5').update(job.jobId).digest('base64');
    if (!complete) return { status: 200, body };
    if (job.error) {
      const e = jobfaults.resultsError(job.error);
      const b = e.body();
      if (e.errors) b.error.errors = e.errors.map((x) => Object.assign({ domain: 'global' }, x));
      return { status: e.code, body: b };
    }
    const r = job.result;
    if (r && r.evicted) {
      throw new BqError('notFound', `Not found: the results of job ${job.projectId}:${job.location}.${job.jobId} were dropped by the emulator (resultRowsBudget)`);
    }
    const start = opts.pageToken ? decodeToken(opts.pageToken, job.jobId) : Number(opts.startIndex || 0);
    if (r && r.types && job.type === 'QUERY') {
      body.schema = { fields: r.names.map((n, k) => T.fieldOf(columnName(n, k), T.typeOfDuck(r.types[k]))) };
      let max = opts.maxResults !== undefined && opts.maxResults !== null ? Number(opts.maxResults) : Infinity;
      if (!(max >= 0)) throw new BqError('invalid', `Invalid maxResults: ${opts.maxResults}`);
      max = Math.min(max, this.config.maxPageRows);
      const rows = r.rows.slice(start, start + max);
      body.totalRows = String(r.rows.length);
      if (rows.length) body.rows = rows.map((row) => T.rowCells(row, r.types, { useInt64Timestamp: opts.useInt64Timestamp }));
      if (start + rows.length < r.rows.length) body.pageToken = encodeToken(job.jobId, start + rows.length);
    } else {
      body.totalRows = '0';
    }
    body.totalBytesProcessed = job.bytesProcessed || '0';
    body.cacheHit = false;
    if (job.numDmlAffectedRows !== undefined) {
      body.numDmlAffectedRows = job.numDmlAffectedRows;
      body.dmlStats = dmlStats(job.dml);
    }
    return { status: 200, body };
  }

  async getQueryResults(proj, jobId, q) {
    const job = this.emu.findJob(proj, jobId, q.get('location'));
    if (job.type !== 'QUERY') throw new BqError('invalid', `Job ${proj}:${job.location}.${jobId} is not a query job`);
    if (job.hiddenPolls === 0) await this.emu.waitJob(job, q.has('timeoutMs') ? Number(q.get('timeoutMs')) : 10000);
    const r = await this.resultsResponse(job, 'bigquery#getQueryResultsResponse', {
      maxResults: q.get('maxResults'), pageToken: q.get('pageToken'), startIndex: q.get('startIndex'),
      useInt64Timestamp: q.get('formatOptions.useInt64Timestamp') === 'true',
    });
    if (r.status !== 200) {
      const e = new BqError(r.body.error.errors[0].reason, r.body.error.message, { code: r.status, status: r.body.error.status });
      throw e;
    }
    return r.body;
  }

  async insertJob(proj, b, entry) {
    const conf = b.configuration || {};
    const ref = Object.assign({}, b.jobReference || {});
    if (ref.projectId && ref.projectId !== proj) throw new BqError('invalid', `Project ID ${ref.projectId} in the job reference does not match ${proj}`);
    entry.jobId = ref.jobId;
    if (conf.query) {
      this.checkQueryConfig(conf.query);
      const qconf = {
        query: conf.query.query, useLegacySql: false, parameterMode: conf.query.parameterMode,
        queryParameters: conf.query.queryParameters, defaultDataset: conf.query.defaultDataset,
      };
      if (conf.dryRun) {
        const d = await this.emu.referee.dryRun(proj, qconf, ref.location);
        const qs = { totalBytesProcessed: d.bytes, totalBytesBilled: '0', cacheHit: false, statementType: d.statementType };
        if (d.schema) qs.schema = { fields: d.schema };
        return { status: 200, body: { kind: 'bigquery#job', status: { state: 'DONE' }, statistics: { totalBytesProcessed: d.bytes, query: qs }, configuration: conf } };
      }
      const job = this.emu.startQuery(proj, ref, qconf, conf);
      entry.jobId = job.jobId;
      await new Promise((r) => setImmediate(r));
      entry.kind = job.statementType;
      return { status: 200, body: this.jobResource(job, false) };
    }
    if (conf.load) throw new BqError('invalid', 'Unsupported by the BigQuery emulator: load jobs from sourceUris; upload the data with uploadType=multipart');
    throw new BqError('invalid', 'Unsupported by the BigQuery emulator: this job type (only query and multipart load jobs)');
  }

  // A load job's metadata and data: start it; returns () => its job resource.
  startUpload(proj, meta, data, entry) {
    const conf = meta.configuration || {};
    if (!conf.load) throw new BqError('invalid', 'Upload job has no configuration.load');
    const ref = Object.assign({}, meta.jobReference || {});
    entry.jobId = ref.jobId;
    entry.kind = 'LOAD';
    const job = this.emu.startLoad(proj, ref, conf.load, conf, data);
    entry.jobId = job.jobId;
    return () => this.jobResource(job, false);
  }

  async upload(req, url, body, proj, entry) {
    const type = url.searchParams.get('uploadType');
    if (type === 'resumable') {
      if (req.method === 'POST') {
        const meta = this.json(body);
        if (!(meta.configuration || {}).load) throw new BqError('invalid', 'Upload job has no configuration.load');
        const base = `http://${req.headers.host || '127.0.0.1:' + this.port}`;
        return { status: 200, body: null, headers: { Location: this.resumable.start(proj, meta, base) } };
      }
      const out = await this.resumable.put(proj, url.searchParams.get('upload_id'), req.headers, body,
        async (p, meta, data) => {
          const resource = this.startUpload(p, meta, data, entry);
          await new Promise((r) => setImmediate(r));
          return resource;
        });
      return out;
    }
    if (type !== 'multipart') throw new BqError('invalid', `Unsupported by the BigQuery emulator: uploadType=${type} (use multipart or resumable)`);
    const ct = req.headers['content-type'] || '';
    const bm = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
    if (!/^multipart\/related/i.test(ct) || !bm) throw new BqError('invalid', 'Upload needs Content-Type multipart/related with a boundary');
    const parts = parseMultipart(body, bm[1] || bm[2]);
    if (parts.length !== 2) throw new BqError('invalid', `Multipart upload must have 2 parts (metadata, data); got ${parts.length}`);
    const meta = this.json(parts[0].body);
    const conf = meta.configuration || {};
    if (!conf.load) throw new BqError('invalid', 'Upload job has no configuration.load');
    const ref = Object.assign({}, meta.jobReference || {});
    entry.jobId = ref.jobId;
    entry.kind = 'LOAD';
    const job = this.emu.startLoad(proj, ref, conf.load, conf, parts[1].body);
    entry.jobId = job.jobId;
    await new Promise((r) => setImmediate(r));
    return { status: 200, body: this.jobResource(job, false) };
  }

  jobResource(job, consume) {
    const complete = consume ? this.emu.poll(job) : job.state === 'DONE' && job.hiddenPolls === 0;
    const state = complete ? 'DONE' : job.state === 'PENDING' ? 'PENDING' : 'RUNNING';
    const r = {
      kind: 'bigquery#job', etag: crypto.createHash('md5').update(job.jobId + state).digest('base64'),
      id: `${job.projectId}:${job.location}.${job.jobId}`,
      selfLink: `/bigquery/v2/projects/${job.projectId}/jobs/${job.jobId}?location=${job.location}`,
      user_email: 'bqemu@bqemu.invalid', principal_subject: 'user:bqemu@bqemu.invalid',
      configuration: Object.assign({ jobType: job.type }, job.configuration),
      jobReference: { projectId: job.projectId, jobId: job.jobId, location: job.location },
      statistics: { creationTime: job.creationTime },
      status: { state },
    };
    if (job.startTime) r.statistics.startTime = job.startTime;
    if (complete) {
      r.statistics.endTime = job.endTime;
      if (job.type === 'QUERY') {
        const bytes = job.bytesProcessed || '0';
        r.statistics.totalBytesProcessed = bytes;
        const qs = { totalBytesProcessed: bytes, totalBytesBilled: '0', cacheHit: false, statementType: job.statementType, totalSlotMs: '0' };
        if (job.numDmlAffectedRows !== undefined) {
          qs.numDmlAffectedRows = job.numDmlAffectedRows;
          qs.dmlStats = dmlStats(job.dml);
        }
        r.statistics.query = qs;
        if (job.statementType === 'SCRIPT') r.statistics.numChildJobs = String(job.statements.length);
      } else if (job.loadStats) {
        r.statistics.load = job.loadStats;
      }
      if (job.error) {
        r.status.errorResult = job.error.entry();
        r.status.errors = job.error.errors || [job.error.entry()];
      }
    }
    return r;
  }

  async tableData(tbl, q) {
    const total = Number(await this.emu.numRows(tbl));
    const start = q.get('pageToken') ? decodeToken(q.get('pageToken'), 'table:' + tbl.tableId) : Number(q.get('startIndex') || 0);
    const max = Math.min(q.has('maxResults') ? Number(q.get('maxResults')) : Infinity, this.config.maxPageRows);
    const selected = q.get('selectedFields') ? q.get('selectedFields').split(',').map((s) => s.trim()).filter(Boolean) : null;
    const page = await this.emu.readTable(tbl, start, max, selected);
    const out = { kind: 'bigquery#tableDataList', etag: crypto.createHash('md5').update(tbl.lastModifiedTime).digest('base64'), totalRows: String(total) };
    const opts = { useInt64Timestamp: q.get('formatOptions.useInt64Timestamp') === 'true' };
    if (page.rows.length) out.rows = page.rows.map((row) => T.rowCells(row, page.types, opts));
    if (start + page.rows.length < total) out.pageToken = encodeToken('table:' + tbl.tableId, start + page.rows.length);
    return out;
  }

  // ------------------------------------------------------------ auth endpoints

  issue(source) {
    const token = 'ya29.bqemu-' + crypto.randomBytes(18).toString('base64url');
    const life = Number(this.config.tokenLifetime) || 3599;
    this.emu.tokens.set(token, { source, expires: Date.now() + life * 1000 });
    return { access_token: token, expires_in: life, token_type: 'Bearer' };
  }

  token(req, body) {
    const ct = String(req.headers['content-type'] || '');
    let form;
    if (/json/i.test(ct)) form = new Map(Object.entries(this.json(body)));
    else form = new Map(new URLSearchParams(body.toString('utf8')));
    const fail = (status, error, desc) => ({ status, body: { error, error_description: desc } });
    const grant = form.get('grant_type');
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const r = this.verifyJwt(String(form.get('assertion') || ''));
      if (r.error) return fail(400, r.error, r.desc);
      return { status: 200, body: this.issue('jwt:' + r.iss) };
    }
    if (grant === 'refresh_token') {
      const c = (this.config.refreshClients || []).find((x) => x.client_id === form.get('client_id'));
      if (!c) return fail(401, 'invalid_client', 'The OAuth client was not found.');
      if (c.client_secret !== form.get('client_secret')) return fail(401, 'invalid_client', 'Unauthorized');
      if (c.refresh_token !== form.get('refresh_token')) return fail(400, 'invalid_grant', 'Bad Request');
      return { status: 200, body: Object.assign(this.issue('refresh:' + c.client_id), { scope: 'https://www.googleapis.com/auth/bigquery' }) };
    }
    return fail(400, 'unsupported_grant_type', `Invalid grant_type: ${grant || ''}`);
  }

  verifyJwt(assertion) {
    const bad = (desc, error) => ({ error: error || 'invalid_grant', desc });
    const parts = assertion.split('.');
    if (parts.length !== 3) return bad('Invalid JWT: the assertion is not a JWT.');
    let header;
    let claims;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch (e) {
      return bad('Invalid JWT: the header or claim set is not JSON.');
    }
    if (header.alg !== 'RS256') return bad('Invalid JWT Signature.');
    const signed = Buffer.from(parts[0] + '.' + parts[1]);
    const sig = Buffer.from(parts[2], 'base64url');
    const key = (this.config.trustKeys || []).map((k) => (typeof k === 'string' ? { pem: k } : k)).find((k) => {
      try {
        return crypto.verify('RSA-SHA256', signed, k.pem, sig);
      } catch (e) {
        return false;
      }
    });
    if (!key) return bad('Invalid JWT Signature.');
    if (!claims.iss || (key.email && key.email !== claims.iss)) return bad('Invalid grant: account not found');
    const port = this.port;
    const auds = [this.config.tokenAudience, `http://127.0.0.1:${port}/token`, `http://localhost:${port}/token`,
      'https://oauth2.googleapis.com/token', 'https://www.googleapis.com/oauth2/v4/token'].filter(Boolean);
    if (!auds.includes(claims.aud)) return bad(`Invalid JWT: Failed audience check. The right audience is ${auds[0]}`);
    const t = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp <= t || claims.iat > t + 300 || claims.exp - claims.iat > 3600) {
      return bad('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
    }
    const scopes = String(claims.scope || '').split(/\s+/);
    if (!scopes.some((s) => /^https:\/\/www\.googleapis\.com\/auth\/(bigquery|cloud-platform)$/.test(s))) {
      return bad('Invalid OAuth scope or ID token audience provided.', 'invalid_scope');
    }
    return { iss: claims.iss };
  }

  metadata(req, url) {
    const flavor = req.headers['metadata-flavor'];
    if (flavor !== 'Google') {
      return { status: 403, body: 'Missing required header "Metadata-Flavor": "Google"\n', headers: { 'Metadata-Flavor': 'Google' } };
    }
    const h = { 'Metadata-Flavor': 'Google' };
    const path = url.pathname.replace(/^\/computeMetadata\/v1\//, '');
    if (path === 'instance/service-accounts/default/token') return { status: 200, body: this.issue('metadata'), headers: h };
    if (path === 'instance/service-accounts/default/email') return { status: 200, body: 'bqemu-sa@bqemu.iam.gserviceaccount.com', headers: h };
    if (path === 'project/project-id') return { status: 200, body: 'bqemu-project', headers: h };
    return { status: 404, body: 'Not Found\n', headers: h };
  }

  // ------------------------------------------------------------ control API

  async control(req, res, url, body) {
    const m = req.method;
    const c = this.config;
    const p = url.pathname;
    const ok = (b) => this.send(res, 200, b);
    try {
      if (p === '/_emu/health') return ok({ ok: true, port: this.port });
      if (p === '/_emu/config' && m === 'GET') return ok(this.publicConfig());
      if (p === '/_emu/config' && m === 'POST') {
        const b = this.json(body);
        for (const [k, v] of Object.entries(b)) {
          if (!CONFIG_KEYS.has(k)) throw new BqError('invalid', `unknown config key ${k}`);
          if (k === 'jobErrorNext') jobfaults.validate(v);
          if (k === 'tableUpdateRate') quota.validate(v);
          if (k === 'listPageSize' && v !== null && !(Number.isInteger(v) && v >= 1)) throw new BqError('invalid', 'listPageSize: a whole number >= 1, or null');
          c[k] = v;
          if (k === 'seed') this.rand = prng(Number(v));
        }
        return ok(this.publicConfig());
      }
      if (p === '/_emu/requests' && m === 'GET') {
        const since = Number(url.searchParams.get('since') || 0);
        return ok({ requests: this.log.filter((e) => e.seq > since) });
      }
      if (p === '/_emu/jobs' && m === 'GET') {
        const jobs = [...this.emu.jobs.values()].map((j) => ({
          projectId: j.projectId, jobId: j.jobId, location: j.location, type: j.type, state: j.state,
          statementType: j.statementType, statements: j.statements, tables: j.tables,
          error: j.error ? j.error.entry() : null, creationTime: j.creationTime, startTime: j.startTime, endTime: j.endTime,
        }));
        return ok({ jobs });
      }
      if (p === '/_emu/expire-token' && m === 'POST') {
        const b = this.json(body);
        if (!b.token) throw new BqError('invalid', 'token is required');
        c.expiredTokens = (c.expiredTokens || []).concat([b.token]);
        return ok({ ok: true });
      }
      if (p === '/_emu/reset' && m === 'POST') {
        const b = this.json(body);
        this.log = [];
        Object.assign(c, { failNext: [], failRate: null, unauthorizedNext: 0, serializationConflictNext: 0, jobErrorNext: null, pendingPolls: 0, latencyMs: 0 });
        if (b.data) {
          for (const [proj, dss] of this.emu.projects) {
            for (const d of [...dss.keys()]) await this.emu.deleteDataset(proj, d, true);
          }
          this.emu.jobs.clear();
          this.emu.requestIds.clear();
          this.emu.tableUpdates.ops.clear();
        }
        return ok({ ok: true });
      }
      throw new BqError('notFound', `unknown control path ${m} ${p}`);
    } catch (e) {
      if (!(e instanceof BqError)) throw e;
      return this.send(res, e.code, e.body());
    }
  }

  publicConfig() {
    const c = Object.assign({}, this.config);
    c.trustKeys = (c.trustKeys || []).length;
    return c;
  }
}

// A result column's name as BigQuery gives it: the alias or column name, a
// bare script variable's name, else f<N>_.
function columnName(n, k) {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) return n;
  const v = /^CAST\(\$v_([A-Za-z0-9_]+) AS [^()]*\)$/.exec(n);
  return v ? v[1] : `f${k}_`;
}

const APIS = [
  ['POST', /^\/token$/, 'oauth.token'],
  ['GET', /^\/computeMetadata\/v1\//, 'metadata'],
  ['POST', /^\/upload\/bigquery\/v2\/projects\/[^/]+\/jobs$/, 'jobs.insert(upload)'],
  ['PUT', /^\/upload\/bigquery\/v2\/projects\/[^/]+\/jobs$/, 'jobs.insert(upload)'],
  ['POST', /\/projects\/[^/]+\/queries$/, 'jobs.query'],
  ['GET', /\/projects\/[^/]+\/queries\/[^/]+$/, 'jobs.getQueryResults'],
  ['POST', /\/projects\/[^/]+\/jobs$/, 'jobs.insert'],
  ['GET', /\/projects\/[^/]+\/jobs$/, 'jobs.list'],
  ['GET', /\/projects\/[^/]+\/jobs\/[^/]+$/, 'jobs.get'],
  ['POST', /\/jobs\/[^/]+\/cancel$/, 'jobs.cancel'],
  ['GET', /\/datasets$/, 'datasets.list'],
  ['POST', /\/datasets$/, 'datasets.insert'],
  ['GET', /\/datasets\/[^/]+$/, 'datasets.get'],
  ['DELETE', /\/datasets\/[^/]+$/, 'datasets.delete'],
  ['PATCH', /\/datasets\/[^/]+$/, 'datasets.patch'],
  ['GET', /\/tables$/, 'tables.list'],
  ['POST', /\/tables$/, 'tables.insert'],
  ['GET', /\/tables\/[^/]+$/, 'tables.get'],
  ['DELETE', /\/tables\/[^/]+$/, 'tables.delete'],
  ['PATCH', /\/tables\/[^/]+$/, 'tables.patch'],
  ['PUT', /\/tables\/[^/]+$/, 'tables.update'],
  ['GET', /\/tables\/[^/]+\/data$/, 'tabledata.list'],
  ['POST', /\/tables\/[^/]+\/insertAll$/, 'tabledata.insertAll'],
];

// jobId / requestId of a request, from its path or body, before it is served.
function noteIds(entry, pathname, body) {
  const m = /\/(?:jobs|queries)\/([^/]+)(?:\/cancel)?$/.exec(pathname);
  if (m) entry.jobId = decodeURIComponent(m[1]);
  if (entry.api !== 'jobs.insert' && entry.api !== 'jobs.query') return;
  try {
    const b = JSON.parse(body.toString('utf8'));
    if (b.jobReference && b.jobReference.jobId) entry.jobId = b.jobReference.jobId;
    if (b.requestId) entry.requestId = b.requestId;
  } catch (e) {
    // an unparsable body is reported by the route itself
  }
}

// The API method a request calls (logged even when a fault answers it).
function apiName(method, pathname) {
  const a = APIS.find(([m, re]) => m === method && re.test(pathname));
  return a ? a[2] : null;
}

function dmlStats(d) {
  return {
    insertedRowCount: String(d ? d.insertedRowCount : 0),
    deletedRowCount: String(d ? d.deletedRowCount : 0),
    updatedRowCount: String(d ? d.updatedRowCount : 0),
  };
}

function encodeToken(scope, offset) {
  return Buffer.from(`${scope}|${offset}`).toString('base64url');
}

function decodeToken(tok, scope) {
  const s = Buffer.from(String(tok), 'base64url').toString('utf8');
  const k = s.lastIndexOf('|');
  const off = Number(s.slice(k + 1));
  if (k < 0 || s.slice(0, k) !== scope || !Number.isInteger(off) || off < 0) throw new BqError('invalid', `Invalid page token: ${tok}`);
  return off;
}

// multipart/related body -> [{headers, body: Buffer}].
function parseMultipart(buf, boundary) {
  const delim = Buffer.from('--' + boundary);
  const parts = [];
  let k = buf.indexOf(delim);
  if (k < 0) return parts;
  for (;;) {
    k += delim.length;
    if (buf.slice(k, k + 2).toString() === '--') break;
    if (buf[k] === 0x0d) k++;
    if (buf[k] === 0x0a) k++;
    const next = buf.indexOf(delim, k);
    if (next < 0) break;
    let part = buf.slice(k, next);
    // strip the line break before the next delimiter
    if (part.length && part[part.length - 1] === 0x0a) part = part.slice(0, -1);
    if (part.length && part[part.length - 1] === 0x0d) part = part.slice(0, -1);
    let sep = part.indexOf('\r\n\r\n');
    let skip = 4;
    if (sep < 0) {
      sep = part.indexOf('\n\n');
      skip = 2;
    }
    const head = sep < 0 ? '' : part.slice(0, sep).toString('utf8');
    const headers = {};
    for (const line of head.split(/\r?\n/)) {
      const c = line.indexOf(':');
      if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
    }
    parts.push({ headers, body: sep < 0 ? part : part.slice(sep + skip) });
    k = next;
  }
  return parts;
}

module.exports = { Server, defaults };
