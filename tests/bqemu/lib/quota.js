'use strict';
// BigQuery's per-table rate limit on table metadata update operations
// (Quotas and limits, Table limits: "Maximum rate of table metadata update
// operations per table: 5 operations per 10 seconds"; Troubleshoot quota and
// limit errors: "Exceeded rate limits: too many table update operations for
// this table", reason rateLimitExceeded, HTTP 403).
//
// What counts, per the quotas page: tables.insert, tables.patch,
// tables.update; DDL on the table; load, copy and query jobs that write to
// it; and DML (INSERT, UPDATE, DELETE, MERGE, TRUNCATE TABLE) — but "while DML
// statements count toward this limit, they are not subject to it": a DML
// statement adds to the count and is never refused. Readings taken where the
// page leaves room:
// - a DDL statement counts when it changes the table's metadata (CREATE,
//   CREATE OR REPLACE, CREATE TABLE AS SELECT, ALTER TABLE); a CREATE TABLE IF
//   NOT EXISTS that found the table, and DROP TABLE / tables.delete, do not;
// - every DML statement that ran against the table counts (even one that
//   changed no row), once per statement;
// - the window slides: an operation is refused when `operations` operations
//   on the table were counted in the last `seconds` seconds; a refused
//   operation is not counted.
// How it appears: an API call (tables.insert/patch/update) answers HTTP 403
// rateLimitExceeded; a job (a load, a DDL query) is created and fails, its
// errorResult rateLimitExceeded with that message (and jobs.query /
// getQueryResults answer 400 jobRateLimitExceeded, see lib/jobfaults.js).
//
// Enforced by default; config `tableUpdateRate`: {"operations":5,"seconds":10}
// (the default), or null / false to turn it off.

const { BqError } = require('./errors');
const { TROUBLESHOOT } = require('./jobfaults');

const DEFAULT = { operations: 5, seconds: 10 };

function rateError() {
  return new BqError('rateLimitExceeded', `Exceeded rate limits: too many table update operations for this table. ${TROUBLESHOOT}`,
    { code: 403, status: 'PERMISSION_DENIED' });
}

function validate(v) {
  if (v === null || v === false) return;
  if (typeof v !== 'object' || !(Number(v.operations) >= 1) || !(Number(v.seconds) > 0)) {
    throw new BqError('invalid', 'tableUpdateRate: want {"operations":N,"seconds":S} (N >= 1, S > 0), or null to turn it off');
  }
}

class TableUpdates {
  constructor(config) {
    this.config = config;
    this.ops = new Map(); // table id -> times (ms) of the counted operations, oldest first
  }

  limit() {
    const v = this.config.tableUpdateRate;
    if (v === null || v === false) return null;
    return v && typeof v === 'object' ? { n: Number(v.operations), ms: Number(v.seconds) * 1000 } : { n: DEFAULT.operations, ms: DEFAULT.seconds * 1000 };
  }

  recent(id, lim, t) {
    const list = (this.ops.get(id) || []).filter((x) => t - x < lim.ms);
    this.ops.set(id, list);
    return list;
  }

  // A table update operation on table id (P:D.T). subject: it is refused
  // (throws rateLimitExceeded) when the window is full; DML is not subject.
  take(id, subject) {
    const lim = this.limit();
    if (!lim) return;
    const t = Date.now();
    const list = this.recent(id, lim, t);
    if (subject && list.length >= lim.n) throw rateError();
    list.push(t);
  }

  // Would an operation on id be refused now? (Checked before a job starts
  // writing; take() then counts it.)
  check(id) {
    const lim = this.limit();
    if (lim && this.recent(id, lim, Date.now()).length >= lim.n) throw rateError();
  }

  forget(id) {
    this.ops.delete(id);
  }
}

module.exports = { TableUpdates, rateError, validate, DEFAULT };
