'use strict';
// Resumable uploads for load jobs (Google's resumable upload protocol, as the
// BigQuery upload route speaks it; Python's client uses it for files over
// 5 MiB, Go's for large readers): POST …/upload/bigquery/v2/projects/P/jobs?
// uploadType=resumable with the job resource as JSON answers 200, no body,
// and `Location: …&upload_id=ID`; PUT to that URL sends the data, whole or in
// chunks with `Content-Range: bytes FIRST-LAST/TOTAL` (TOTAL `*` while
// unknown). A chunk that is not the last answers 308 with `Range:
// bytes=0-N` (the bytes kept); `Content-Range: bytes */TOTAL` (or `*/*`)
// asks how far it got (308, or the job if complete). The last chunk starts
// the load job and answers its resource. A chunk that does not continue
// where the upload is answers 308 with the kept range, so the client resends.

const crypto = require('crypto');
const { BqError } = require('./errors');

class Resumable {
  constructor() {
    this.sessions = new Map(); // upload_id -> {proj, meta, chunks: [Buffer], size, job}
  }

  start(proj, meta, baseUrl) {
    const id = crypto.randomBytes(16).toString('base64url');
    this.sessions.set(id, { proj, meta, chunks: [], size: 0, job: null });
    return `${baseUrl}/upload/bigquery/v2/projects/${encodeURIComponent(proj)}/jobs?uploadType=resumable&upload_id=${id}`;
  }

  // One PUT. startJob(proj, meta, data) starts the load and returns its job
  // resource. Returns {status, body, headers}.
  async put(proj, id, headers, body, startJob) {
    const s = this.sessions.get(id);
    if (!s || s.proj !== proj) throw new BqError('notFound', `Not found: upload ${id}`);
    if (s.job) return { status: 200, body: s.job() };
    const kept = () => (s.size > 0 ? { Range: `bytes=0-${s.size - 1}` } : {});
    const cr = String(headers['content-range'] || '');
    let first = 0;
    let total = null;
    if (cr) {
      const m = /^bytes (\*|(\d+)-(\d+))\/(\*|\d+)$/.exec(cr.trim());
      if (!m) throw new BqError('invalid', `Bad Content-Range: ${cr}`);
      total = m[4] === '*' ? null : Number(m[4]);
      if (m[1] === '*') {
        // a status query (or an empty last chunk)
        if (total !== null && total === s.size) return this.finish(s, startJob);
        return { status: 308, body: null, headers: kept() };
      }
      first = Number(m[2]);
      if (Number(m[3]) - first + 1 !== body.length) throw new BqError('invalid', `Content-Range ${cr} does not match the ${body.length} bytes sent`);
    } else {
      total = s.size + body.length;
    }
    if (first !== s.size) return { status: 308, body: null, headers: kept() };
    s.chunks.push(body);
    s.size += body.length;
    if (total !== null && s.size >= total) return this.finish(s, startJob);
    return { status: 308, body: null, headers: kept() };
  }

  async finish(s, startJob) {
    const data = Buffer.concat(s.chunks);
    s.chunks = [];
    s.job = await startJob(s.proj, s.meta, data);
    return { status: 200, body: s.job() };
  }
}

module.exports = { Resumable };
