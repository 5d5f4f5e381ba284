'use strict';
// BigQuery-shaped errors.  A BqError carries the `reason` of BigQuery's
// errors[] entries and the HTTP status the REST API answers it with.

const STATUS_OF_REASON = {
  invalidQuery: [400, 'INVALID_ARGUMENT'],
  invalid: [400, 'INVALID_ARGUMENT'],
  badRequest: [400, 'INVALID_ARGUMENT'],
  resourcesExceeded: [400, 'INVALID_ARGUMENT'],
  required: [401, 'UNAUTHENTICATED'],
  authError: [401, 'UNAUTHENTICATED'],
  accessDenied: [403, 'PERMISSION_DENIED'],
  quotaExceeded: [403, 'PERMISSION_DENIED'],
  notFound: [404, 'NOT_FOUND'],
  duplicate: [409, 'ALREADY_EXISTS'],
  rateLimitExceeded: [403, 'PERMISSION_DENIED'], // BigQuery's Error messages table (HTTP 429 faults have their own body)
  backendError: [500, 'INTERNAL'],
  internalError: [500, 'INTERNAL'],
  unavailable: [503, 'UNAVAILABLE'],
};

class BqError extends Error {
  constructor(reason, message, extra) {
    super(message);
    this.reason = reason;
    const [code, status] = STATUS_OF_REASON[reason] || [400, 'INVALID_ARGUMENT'];
    this.code = (extra && extra.code) || code;
    this.status = (extra && extra.status) || status;
    this.location = extra && extra.location;
  }

  // The errors[] entry (also job status.errorResult).
  entry() {
    const e = { reason: this.reason, message: this.message };
    if (this.location) e.location = this.location;
    return e;
  }

  body() {
    const e = this.entry();
    e.domain = 'global';
    return { error: { code: this.code, message: this.message, errors: [e], status: this.status } };
  }
}

function invalidQuery(message) {
  return new BqError('invalidQuery', message);
}

function notFound(message) {
  return new BqError('notFound', message);
}

module.exports = { BqError, invalidQuery, notFound, STATUS_OF_REASON };
