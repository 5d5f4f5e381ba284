'use strict';
// Job-level failures in BigQuery's shapes (BigQuery's "Error messages" page):
// the job is created, then fails. jobs.get shows it DONE with
// status.errorResult {reason, message} (backendError, internalError,
// rateLimitExceeded, quotaExceeded, …); jobs.query and jobs.getQueryResults
// answer the failed job with an HTTP error whose reason is the job variant
// the page lists for them: jobBackendError, jobInternalError,
// jobRateLimitExceeded, each HTTP 400 ("the job was created successfully,
// but failed …: retry the job with a new jobId"). quotaExceeded has no job
// variant: 403 quotaExceeded. A retry with the same requestId is answered
// with the same failed job, one with the same jobId gets 409 duplicate (and
// jobs.get of that jobId shows the same failure); only a new job runs again.
//
// Injected with the control API's `jobErrorNext`: one entry or a list, each
// {reason, message?, quota?, count?, jobKind?, statement?, when?}:
// - reason: backendError (default), internalError, rateLimitExceeded,
//   quotaExceeded, or any other reason (then message is needed);
// - message: default BigQuery's usual text for the reason; for quotaExceeded
//   `quota` picks the quota named (tableUpdates, partitionModifications,
//   queryBytes, queryBytesPerUser, copies);
// - count: how many matching jobs fail (absent: every matching job);
// - jobKind: query (one statement), script (several, or a transaction) or
//   load; statement: a statement kind (INSERT, MERGE, CREATE_TABLE, LOAD, …)
//   the job must run (for a script: one of its statements);
// - when: "before" (default: the job fails without running) or "after" (it
//   runs, and its effects stay, then reports the failure: the client cannot
//   know, from the error, whether its writes landed).

const { BqError } = require('./errors');

const TROUBLESHOOT = 'For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas';

const MESSAGES = {
  backendError: 'Error encountered during execution. Retrying may solve the problem.',
  internalError: 'An internal error occurred and the request could not be completed. This is usually caused by a transient ' +
    'issue. Retrying the job with back-off as described in the BigQuery SLA should solve the problem: ' +
    'https://cloud.google.com/bigquery/sla. If the error continues to occur please contact support at https://cloud.google.com/support.',
  rateLimitExceeded: `Job exceeded rate limits: Your project_and_region exceeded quota for concurrent queries. ${TROUBLESHOOT}`,
};

const QUOTAS = {
  tableUpdates: 'Quota exceeded: Your table exceeded quota for imports or query appends per table.',
  partitionModifications: 'Quota exceeded: Your table exceeded quota for Number of partition modifications to a column partitioned table.',
  queryBytes: 'Quota exceeded: Your project exceeded quota for free query bytes scanned.',
  queryBytesPerUser: 'Quota exceeded: Your usage exceeded custom quota for QueryUsagePerUserPerDay.',
  copies: 'Quota exceeded: Your project exceeded quota for copies per project.',
};

// The reason jobs.query / getQueryResults answer for a failed job's reason.
const JOB_REASON = { backendError: 'jobBackendError', internalError: 'jobInternalError', rateLimitExceeded: 'jobRateLimitExceeded' };

function quotaMessage(quota) {
  const q = QUOTAS[quota || 'tableUpdates'];
  if (!q) throw new BqError('invalid', `unknown quota ${quota} (one of ${Object.keys(QUOTAS).join(', ')})`);
  return `${q} ${TROUBLESHOOT}`;
}

// The error a job failed with, as jobs.get shows it.
function jobError(reason, message, quota) {
  const r = reason || 'backendError';
  const msg = message || (r === 'quotaExceeded' ? quotaMessage(quota) : MESSAGES[r]);
  if (!msg) throw new BqError('invalid', `jobErrorNext: reason ${r} needs a message`);
  return new BqError(r, msg);
}

// jobs.query / getQueryResults: the HTTP error for a job that failed with e.
function resultsError(e) {
  const jr = JOB_REASON[e.reason];
  if (jr) return new BqError(jr, e.message, { code: 400, status: 'INVALID_ARGUMENT' });
  return e;
}

function entries(conf) {
  if (!conf) return [];
  return Array.isArray(conf) ? conf : [conf];
}

// Check a jobErrorNext setting when it is set (so a typo fails the control call).
function validate(conf) {
  for (const f of entries(conf)) {
    if (typeof f !== 'object' || f === null) throw new BqError('invalid', 'jobErrorNext: each entry must be an object');
    if (f.jobKind && !['query', 'script', 'load'].includes(f.jobKind)) throw new BqError('invalid', `jobErrorNext: jobKind ${f.jobKind} (query, script or load)`);
    if (f.when && !['before', 'after'].includes(f.when)) throw new BqError('invalid', `jobErrorNext: when ${f.when} (before or after)`);
    jobError(f.reason, f.message, f.quota);
  }
}

// The injected failure for a starting job, or null: {error, when}.
// kind: 'query' | 'script' | 'load'; statements: the statement kinds it runs.
function take(config, kind, statements) {
  for (const f of entries(config.jobErrorNext)) {
    if (f.count !== undefined && !(f.count > 0)) continue;
    if (f.jobKind && f.jobKind !== kind) continue;
    if (f.statement && !statements.includes(String(f.statement).toUpperCase())) continue;
    if (f.count !== undefined) f.count--;
    return { error: jobError(f.reason, f.message, f.quota), when: f.when || 'before' };
  }
  return null;
}

module.exports = { take, validate, resultsError, jobError, quotaMessage, JOB_REASON, TROUBLESHOOT };
