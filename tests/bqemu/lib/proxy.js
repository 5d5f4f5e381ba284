'use strict';
// faultproxy: forwards HTTP requests to one upstream and, per a seeded plan,
// answers 503/429/5xx itself, drops the connection before forwarding, or cuts
// it after the upstream answered (the upstream acted, the client saw nothing).

const http = require('http');
const fs = require('fs');
const { prng } = require('./prng');

const ACTION = /^(pass|drop|cut|stall|delay:\d+|[45]\d\d(?::\d+)?)$/;

// "503,429:2,pass*3,cut" -> [{type, status?, retryAfter?, ms?}, ...]
function parsePlan(spec) {
  const steps = [];
  if (!spec) return steps;
  for (const raw of String(spec).split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^*]+)(?:\*(\d+))?$/.exec(raw);
    if (!m || !ACTION.test(m[1])) throw new Error(`bad plan step '${raw}'`);
    const n = m[2] ? Number(m[2]) : 1;
    for (let k = 0; k < n; k++) steps.push(parseAction(m[1]));
  }
  return steps;
}

function parseAction(a) {
  if (a === 'pass' || a === 'drop' || a === 'cut' || a === 'stall') return { type: a };
  if (a.startsWith('delay:')) return { type: 'delay', ms: Number(a.slice(6)) };
  const [status, retry] = a.split(':');
  const s = { type: 'status', status: Number(status) };
  if (retry !== undefined) s.retryAfter = Number(retry);
  else if (s.status === 429) s.retryAfter = 1;
  return s;
}

// "0.2:503,429,cut" -> {fraction, actions}
function parseRandom(spec) {
  if (!spec) return null;
  const k = String(spec).indexOf(':');
  const fraction = Number(String(spec).slice(0, k));
  if (k < 0 || !(fraction >= 0 && fraction <= 1)) throw new Error(`bad --random '${spec}'`);
  const actions = String(spec).slice(k + 1).split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of actions) if (!ACTION.test(a)) throw new Error(`bad --random action '${a}'`);
  return { fraction, actions: actions.map(parseAction) };
}

const BODIES = {
  429: ['rateLimitExceeded', 'RESOURCE_EXHAUSTED', 'Exceeded rate limits: too many api requests per user per method for this user_method.'],
  500: ['backendError', 'INTERNAL', 'Error encountered during execution. Retrying may solve the problem.'],
  502: ['backendError', 'UNAVAILABLE', 'Bad Gateway'],
  503: ['backendError', 'UNAVAILABLE', 'The service is currently unavailable.'],
};

class Proxy {
  constructor(opts) {
    this.upstream = opts.upstream;
    this.match = opts.match ? new RegExp(opts.match) : null;
    this.setPlan(opts.plan, opts.random, opts.seed);
    this.log = [];
    this.n = 0;
    this.logStream = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: 'a' }) : null;
    this.agent = new http.Agent({ keepAlive: true });
  }

  setPlan(plan, random, seed) {
    this.plan = parsePlan(plan);
    this.random = parseRandom(random);
    this.rand = prng(seed === undefined ? 1 : Number(seed));
  }

  next(req) {
    if (this.match && !this.match.test(`${req.method} ${req.url}`)) return { type: 'pass' };
    if (this.plan.length) return this.plan.shift();
    if (this.random && this.rand() < this.random.fraction) {
      return this.random.actions[Math.floor(this.rand() * this.random.actions.length)];
    }
    return { type: 'pass' };
  }

  async start(port) {
    this.http = http.createServer((req, res) => this.handle(req, res).catch((e) => {
      process.stderr.write(`faultproxy: ${e.stack || e}\n`);
      if (!res.headersSent) {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end('faultproxy: upstream failed\n');
      }
    }));
    await new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, '127.0.0.1', resolve);
    });
    this.port = this.http.address().port;
    return this.port;
  }

  async stop() {
    await new Promise((r) => this.http.close(r));
    if (typeof this.http.closeAllConnections === 'function') this.http.closeAllConnections();
    this.agent.destroy();
  }

  record(e) {
    this.log.push(e);
    if (this.logStream) this.logStream.write(JSON.stringify(e) + '\n');
  }

  async handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    if (req.url.startsWith('/_proxy/')) return this.control(req, res, body);
    const action = this.next(req);
    const entry = { n: ++this.n, method: req.method, path: req.url.split('?')[0], action: action.type === 'status' ? String(action.status) : action.type };
    if (action.type === 'status') {
      const [reason, status, message] = BODIES[action.status] || ['backendError', 'UNKNOWN', `HTTP ${action.status}`];
      const data = JSON.stringify({ error: { code: action.status, message, errors: [{ message, domain: 'global', reason }], status } });
      const h = { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(data) };
      if (action.retryAfter !== undefined) h['Retry-After'] = String(action.retryAfter);
      res.writeHead(action.status, h);
      res.end(data);
      this.record(entry);
      return;
    }
    if (action.type === 'drop') {
      this.record(entry);
      req.socket.destroy();
      return;
    }
    if (action.type === 'delay') await new Promise((r) => setTimeout(r, action.ms));
    const up = await this.forward(req, body);
    entry.upstreamStatus = up.status;
    this.record(entry);
    if (action.type === 'cut') {
      req.socket.destroy();
      return;
    }
    // the upstream acted, and its answer never comes: the connection stays open, silent
    if (action.type === 'stall') return;
    const headers = Object.assign({}, up.headers);
    for (const h of ['connection', 'keep-alive', 'transfer-encoding']) delete headers[h];
    headers['content-length'] = up.body.length;
    res.writeHead(up.status, headers);
    res.end(up.body);
  }

  forward(req, body) {
    const [host, port] = this.upstream;
    const headers = Object.assign({}, req.headers, { host: `${host}:${port}`, 'content-length': body.length });
    delete headers.connection;
    delete headers['transfer-encoding'];
    delete headers.expect;
    return new Promise((resolve, reject) => {
      const u = http.request({ host, port, method: req.method, path: req.url, headers, agent: this.agent }, (r) => {
        const chunks = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks) }));
        r.on('error', reject);
      });
      u.on('error', reject);
      u.end(body);
    });
  }

  control(req, res, body) {
    const send = (status, obj) => {
      const data = JSON.stringify(obj);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
      res.end(data);
    };
    const path = req.url.split('?')[0];
    try {
      if (path === '/_proxy/health') return send(200, { ok: true, port: this.port });
      if (path === '/_proxy/log' && req.method === 'GET') return send(200, { requests: this.log });
      if (path === '/_proxy/plan' && req.method === 'POST') {
        const b = body.length ? JSON.parse(body.toString('utf8')) : {};
        this.setPlan(b.plan, b.random, b.seed);
        if (b.match !== undefined) this.match = b.match ? new RegExp(b.match) : null;
        if (b.resetLog) this.log = [];
        return send(200, { ok: true, steps: this.plan.length });
      }
      return send(404, { error: `unknown control path ${req.method} ${path}` });
    } catch (e) {
      return send(400, { error: e.message });
    }
  }
}

module.exports = { Proxy, parsePlan, parseRandom };
