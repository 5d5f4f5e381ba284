'use strict';
// ZetaSQL's local service (npm @fivetrandevelopers/zetasql ships it as a
// Linux x86-64 executable, remote_server.so) as a child process on a free
// loopback port, and a gRPC client for it.  The child gets SIGTERM when the
// emulator stops, and (through setpriv --pdeathsig) when the emulator dies
// without stopping it.

const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawn } = require('child_process');

const PKG = path.dirname(require.resolve('@fivetrandevelopers/zetasql/package.json'));
// BQEMU_ZETASQL_SERVER overrides the executable (the tests point it at nothing to see a failed start).
const SERVER = process.env.BQEMU_ZETASQL_SERVER || path.join(PKG, 'lib', 'zetasql', 'remote_server.so');
const PROTOS = path.join(PKG, 'lib', 'zetasql', 'protos');
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => fs.existsSync(f));
const START_MS = 10000;

// The service's protos as a protobufjs Root (field names as in the .proto
// files).  Parsing them takes a few hundred ms, so the parsed form is kept
// as JSON beside the package (node_modules/.cache) and read from there after.
let ROOT = null;
function protoRoot() {
  if (ROOT) return ROOT;
  const protobuf = require('protobufjs');
  const version = require(path.join(PKG, 'package.json')).version;
  const cache = path.join(PKG, '..', '..', '.cache', 'bqemu', `zetasql-protos-${version}.json`);
  try {
    ROOT = protobuf.Root.fromJSON(JSON.parse(fs.readFileSync(cache, 'utf8')));
    return ROOT;
  } catch (e) {
    // not cached yet
  }
  const pbDir = path.dirname(require.resolve('protobufjs/package.json'));
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => [PROTOS, pbDir].map((d) => path.join(d, target)).find((f) => fs.existsSync(f)) || target;
  root.loadSync('local_service.proto', { keepCase: true });
  try {
    fs.mkdirSync(path.dirname(cache), { recursive: true });
    const tmp = `${cache}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(root.toJSON()));
    fs.renameSync(tmp, cache);
  } catch (e) {
    // a read-only node_modules: parse every time
  }
  ROOT = root;
  return ROOT;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

class ZetaSql {
  constructor() {
    this.child = null;
    this.client = null;
    this.exited = null;
  }

  // Start the server (a few tries: the free port can be taken before it binds).
  async start() {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new Error(`ZetaSQL's server runs on Linux x86-64 only (this is ${process.platform}/${process.arch})`);
    }
    if (!fs.existsSync(SERVER)) throw new Error(`ZetaSQL's server is missing: ${SERVER} (run tests/bqemu/setup)`);
    let last;
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        await this.spawnOnce(await freePort());
        return;
      } catch (e) {
        last = e;
        await this.stop();
      }
    }
    throw last;
  }

  spawnOnce(port) {
    const argv = [SERVER, '127.0.0.1', String(port)];
    const [cmd, args] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'TERM', '--', ...argv]] : [argv[0], argv.slice(1)];
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // However the emulator ends (process.exit included), its child goes too.
    const reap = () => child.kill('SIGTERM');
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
    this.port = port;
    let out = '';
    this.exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ZetaSQL's server did not listen within ${START_MS} ms: ${out.trim()}`)), START_MS);
      const onData = (d) => {
        out += d;
        if (/Server listening on/.test(out)) {
          clearTimeout(timer);
          child.stdout.removeAllListeners('data');
          child.stdout.resume();
          this.connect().then(resolve, reject);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (d) => { out += d; });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ZetaSQL's server ${SERVER}: ${e.message}`));
      });
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        this.child = null;
        reject(new Error(`ZetaSQL's server exited (${sig || code}): ${out.trim()}`));
        if (this.onExit) this.onExit(code, sig);
      });
    });
  }

  async connect() {
    const grpc = require('@grpc/grpc-js');
    const root = protoRoot();
    const methods = {};
    for (const [name, m] of Object.entries(root.lookupService('zetasql.local_service.ZetaSqlLocalService').methods)) {
      if (m.requestStream || m.responseStream) continue;
      const req = root.lookupType(m.requestType);
      const res = root.lookupType(m.responseType);
      methods[name[0].toLowerCase() + name.slice(1)] = {
        path: `/zetasql.local_service.ZetaSqlLocalService/${name}`, requestStream: false, responseStream: false,
        requestSerialize: (o) => Buffer.from(req.encode(req.fromObject(o)).finish()),
        responseDeserialize: (b) => res.toObject(res.decode(b), { longs: String, enums: String, oneofs: true }),
      };
    }
    const Client = grpc.makeGenericClientConstructor(methods, 'ZetaSqlLocalService');
    this.client = new Client(`127.0.0.1:${this.port}`, grpc.credentials.createInsecure(),
      { 'grpc.max_receive_message_length': 256 << 20, 'grpc.max_send_message_length': 256 << 20 });
    await new Promise((resolve, reject) => this.client.waitForReady(Date.now() + START_MS, (e) => (e ? reject(e) : resolve())));
  }

  // One unary call; rejects with the gRPC error (e.details holds ZetaSQL's message).
  call(method, req) {
    if (!this.client || !this.child) return Promise.reject(new Error("ZetaSQL's server is not running"));
    return new Promise((resolve, reject) => this.client[method](req, (e, r) => (e ? reject(e) : resolve(r))));
  }

  async stop() {
    this.onExit = null;
    if (this.client) {
      this.client.close();
      this.client = null;
    }
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(timer);
  }
}

module.exports = { ZetaSql, SERVER };
