#!/usr/bin/env python3
"""A loopback HTTP server for the pgs HTTP tests, with fault injection.

Usage: server.py DIR PORTFILE [LIFETIME_SECONDS]

Serves the files under DIR on 127.0.0.1 at a free port, written to PORTFILE
once it listens.  It exits by itself after LIFETIME_SECONDS so
a test run that dies cannot leave it behind (default 300).  HTTP/1.1 with keep-alive, so a
client that reuses its connection shows up as one connection in /stats.

Paths (the query string is ignored when matching, so ?token=... is free):
  /FILE                    the file
  /fault/500once/FILE      500 the first time per path, then the file
  /fault/503/FILE          always 503
  /fault/429/FILE          429 with Retry-After: 1 the first time, then the file; a retry
                           sooner than Retry-After says gets a 429 again (and counts a hit)
  /fault/404/FILE          404
  /fault/stall/FILE        headers and half the body, then silence (30 s), then close
  /fault/cut/FILE          full Content-Length, half the body, close
  /fault/drop/FILE         close without a response the first time, then the file
  /fault/gzip/FILE         the file with Content-Encoding: gzip
  /fault/gzipcut/FILE      Content-Encoding: gzip, no length, half the gzip, close
  /fault/redirect/FILE     302 to /FILE
  /stats                   {"connections":N,"requests":N,"hits":{path:n},"last":{headers},
                            "headers":{path:{headers of its last request}}}
  /reset                   zero the counters and the "first time" state (one server serves a
                           whole test file; each test starts from /reset)
"""
import gzip
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATS = {"connections": 0, "requests": 0, "hits": {}, "last": {}, "headers": {}}
# when each /fault/429 path last answered 429: a client that retries before
# its Retry-After has passed is answered 429 again
SLOWED = {}
ROOT = "."


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pgs-test/1"
    # headers and body go out in two writes: without this, Nagle holds the
    # body for the client's delayed ACK, 40 ms a request on loopback
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        with LOCK:
            STATS["connections"] += 1

    def log_message(self, fmt, *args):  # quiet: the tests read /stats
        pass

    def send_body(self, code, body, ctype="application/json", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_file(self, rel):
        path = os.path.normpath(os.path.join(ROOT, rel))
        if not path.startswith(os.path.abspath(ROOT) + os.sep) or not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            return f.read()

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/reset":
            with LOCK:
                STATS.update(connections=0, requests=0, hits={}, last={}, headers={})
                SLOWED.clear()
            return self.send_body(200, b"{}")
        with LOCK:
            STATS["requests"] += 1
            n = STATS["hits"].get(path, 0) + 1
            STATS["hits"][path] = n
            STATS["last"] = {k.lower(): v for k, v in self.headers.items()}
            STATS["headers"][path] = STATS["last"]
        if path == "/stats":
            with LOCK:
                body = json.dumps(STATS).encode()
            return self.send_body(200, body)
        fault, rel = None, path.lstrip("/")
        if rel.startswith("fault/"):
            _, fault, rel = (rel.split("/", 2) + ["", ""])[:3]
        body = self.read_file(rel)
        if body is None or fault == "404":
            return self.send_body(404, b'{"error":"not found"}')
        if fault == "500once" and n == 1:
            return self.send_body(500, b'{"error":"boom"}')
        if fault == "503":
            return self.send_body(503, b'{"error":"unavailable"}')
        if fault == "429" and (n == 1 or time.monotonic() - SLOWED[path] < 1.0):
            SLOWED[path] = time.monotonic()
            return self.send_body(429, b'{"error":"slow down"}', extra={"Retry-After": "1"})
        if fault == "drop" and n == 1:
            self.close_connection = True
            return
        if fault == "redirect":
            return self.send_body(302, b"", extra={"Location": "/" + rel})
        if fault == "stall":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(30)
            self.close_connection = True
            return
        if fault == "cut":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        if fault == "gzip":
            return self.send_body(200, gzip.compress(body), extra={"Content-Encoding": "gzip"})
        if fault == "gzipcut":
            z = gzip.compress(body)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(z[: len(z) // 2])
            self.close_connection = True
            return
        return self.send_body(200, body)


def main():
    global ROOT
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: server.py DIR PORTFILE [LIFETIME_SECONDS]")
    ROOT = os.path.abspath(sys.argv[1])
    lifetime = float(sys.argv[3]) if len(sys.argv) == 4 else 300.0
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, sys.argv[2])  # the port file appears whole or not at all
    threading.Timer(lifetime, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
