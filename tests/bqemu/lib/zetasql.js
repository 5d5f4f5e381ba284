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
const SERVER = path.join(PKG, 'lib', 'zetasql', 'remote_server.so');
const PROTOS = path.join(PKG, 'lib', 'zetasql', 'protos');
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => fs.existsSync(f));
const START_MS = 10000;

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
    const loader = require('@grpc/proto-loader');
    if (!ZetaSql.proto) {
      const def = loader.loadSync('local_service.proto', { keepCase: true, oneofs: true, longs: String, enums: String, includeDirs: [PROTOS] });
      ZetaSql.proto = grpc.loadPackageDefinition(def);
    }
    const Svc = ZetaSql.proto.zetasql.local_service.ZetaSqlLocalService;
    this.client = new Svc(`127.0.0.1:${this.port}`, grpc.credentials.createInsecure(),
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
