'use strict';
// Command lines of bqemu and faultproxy: options, startup, signals.

const fs = require('fs');
const path = require('path');

function usage(prog) {
  const file = path.join(__dirname, '..', prog);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out = [];
  for (const l of lines.slice(1)) {
    if (!l.startsWith('//')) break;
    out.push(l.replace(/^\/\/ ?/, ''));
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

function die(prog, msg, code) {
  process.stderr.write(`${prog}: ${msg}\n`);
  process.exit(code);
}

// --name value / --name=value; names in `multi` collect arrays; `flags` take no value.
function parseArgs(prog, argv, known, multi, flags) {
  const o = {};
  for (let k = 0; k < argv.length; k++) {
    let a = argv[k];
    if (a === '-h' || a === '--help') {
      process.stdout.write(usage(prog));
      process.exit(0);
    }
    if (!a.startsWith('--')) die(prog, `unexpected argument '${a}'\nTry '${prog} --help'.`, 2);
    let v;
    const eq = a.indexOf('=');
    if (eq > 0) {
      v = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const name = a.slice(2);
    if (!known.includes(name) && !multi.includes(name) && !flags.includes(name)) {
      die(prog, `unknown option '${a}'\nTry '${prog} --help'.`, 2);
    }
    if (flags.includes(name)) {
      o[name] = true;
      continue;
    }
    if (v === undefined) {
      if (k + 1 >= argv.length) die(prog, `option '${a}' needs a value`, 2);
      v = argv[++k];
    }
    if (multi.includes(name)) (o[name] = o[name] || []).push(v);
    else o[name] = v;
  }
  return o;
}

function intOpt(prog, o, name, min) {
  if (o[name] === undefined) return undefined;
  const n = Number(o[name]);
  if (!Number.isInteger(n) || n < min) die(prog, `option '--${name}' needs an integer >= ${min}, got '${o[name]}'`, 2);
  return n;
}

// --exit-after SECONDS: a test server that outlives its test stops by itself.
function exitAfter(prog, o, stop) {
  const secs = intOpt(prog, o, 'exit-after', 1);
  if (secs === undefined) return;
  setTimeout(() => {
    process.stderr.write(`${prog}: --exit-after ${secs} s reached, exiting\n`);
    stop().then(() => process.exit(0), () => process.exit(0));
  }, secs * 1000).unref();
}

function onSignals(stop) {
  let stopping = false;
  const h = () => {
    if (stopping) return;
    stopping = true;
    stop().then(() => process.exit(0), () => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', h);
  process.on('SIGINT', h);
}

async function bqemu(argv) {
  const prog = 'bqemu';
  const auth = require('./auth');
  const o = parseArgs(prog, argv,
    ['port', 'port-file', 'log', 'latency-ms', 'data', 'pending-polls', 'fail-rate', 'seed', 'dml-running', 'dml-queue',
      'max-page-rows', 'location', 'exit-after', 'sql-log', ...auth.OPTIONS[0]],
    ['fail-next', 'trust-key', 'token', 'refresh-client', ...auth.OPTIONS[1]], ['strict-auth']);
  if (o.port === undefined) die(prog, "option '--port' is required\nTry 'bqemu --help'.", 2);
  const port = intOpt(prog, o, 'port', 0);
  const config = {};
  if (o.log) config.logFile = o.log;
  if (o['sql-log']) config.sqlLog = o['sql-log'];
  if (o.data) config.dataDir = o.data;
  if (o.location) config.defaultLocation = o.location;
  if (o['strict-auth']) config.strictAuth = true;
  const ints = { 'latency-ms': 'latencyMs', 'pending-polls': 'pendingPolls', seed: 'seed', 'dml-running': 'dmlRunning', 'dml-queue': 'dmlQueue', 'max-page-rows': 'maxPageRows' };
  for (const [flag, key] of Object.entries(ints)) {
    const v = intOpt(prog, o, flag, flag === 'dml-running' || flag === 'max-page-rows' ? 1 : 0);
    if (v !== undefined) config[key] = v;
  }
  config.failNext = (o['fail-next'] || []).map((s) => {
    const m = /^(\d{3}):(\d+)(?::(.+))?$/.exec(s);
    if (!m) die(prog, `bad --fail-next '${s}' (want STATUS:COUNT[:PATH])`, 2);
    const f = { status: Number(m[1]), count: Number(m[2]) };
    if (m[3]) f.path = m[3];
    if (f.status === 429) f.retryAfter = 1;
    return f;
  });
  if (o['fail-rate']) {
    const m = /^([0-9.]+):(\d{3}(?:,\d{3})*)$/.exec(o['fail-rate']);
    if (!m || !(Number(m[1]) >= 0 && Number(m[1]) <= 1)) die(prog, `bad --fail-rate '${o['fail-rate']}' (want FRACTION:STATUS[,STATUS...])`, 2);
    config.failRate = { fraction: Number(m[1]), statuses: m[2].split(',').map(Number) };
  }
  config.trustKeys = (o['trust-key'] || []).map((f) => {
    try {
      return { pem: fs.readFileSync(f, 'utf8') };
    } catch (e) {
      return die(prog, `cannot read '${f}': ${e.message}`, 3);
    }
  });
  config.tokens = o.token || [];
  config.refreshClients = (o['refresh-client'] || []).map((s) => {
    const [client_id, client_secret, refresh_token] = s.split(':');
    if (!refresh_token) die(prog, `bad --refresh-client '${s}' (want ID:SECRET:REFRESH_TOKEN)`, 2);
    return { client_id, client_secret, refresh_token };
  });
  Object.assign(config, auth.fromArgs(o, (msg) => die(prog, msg, 2)));
  let server;
  try {
    require.resolve('@duckdb/node-api');
    require.resolve('@fivetrandevelopers/zetasql/package.json');
  } catch (e) {
    die(prog, "the npm packages are missing: run 'npm ci' in tests/bqemu (scripts/setup-debian does it)", 3);
  }
  const { Server } = require('./server');
  try {
    server = new Server(config);
    const bound = await server.start(port);
    if (o['port-file']) fs.writeFileSync(o['port-file'] + '.tmp', `${bound}\n`);
    if (o['port-file']) fs.renameSync(o['port-file'] + '.tmp', o['port-file']);
    process.stderr.write(`bqemu: listening on 127.0.0.1:${bound}\n`);
  } catch (e) {
    die(prog, `cannot start: ${e.message}`, 3);
  }
  onSignals(() => server.stop());
  exitAfter(prog, o, () => server.stop());
}

async function faultproxy(argv) {
  const prog = 'faultproxy';
  const o = parseArgs(prog, argv, ['listen', 'upstream', 'plan', 'random', 'seed', 'match', 'port-file', 'log', 'exit-after'], [], []);
  if (o.listen === undefined || !o.upstream) die(prog, "options '--listen' and '--upstream' are required\nTry 'faultproxy --help'.", 2);
  const port = intOpt(prog, o, 'listen', 0);
  const m = /^([^:]+):(\d+)$/.exec(o.upstream);
  if (!m) die(prog, `bad --upstream '${o.upstream}' (want HOST:PORT)`, 2);
  const { Proxy } = require('./proxy');
  let proxy;
  try {
    proxy = new Proxy({ upstream: [m[1], Number(m[2])], plan: o.plan, random: o.random, seed: o.seed, match: o.match, logFile: o.log });
  } catch (e) {
    die(prog, e.message, 2);
  }
  try {
    const bound = await proxy.start(port);
    if (o['port-file']) fs.writeFileSync(o['port-file'] + '.tmp', `${bound}\n`);
    if (o['port-file']) fs.renameSync(o['port-file'] + '.tmp', o['port-file']);
    process.stderr.write(`faultproxy: listening on 127.0.0.1:${bound} -> ${o.upstream}\n`);
  } catch (e) {
    die(prog, `cannot start: ${e.message}`, 3);
  }
  onSignals(() => proxy.stop());
  exitAfter(prog, o, () => proxy.stop());
}

module.exports = { bqemu, faultproxy };
