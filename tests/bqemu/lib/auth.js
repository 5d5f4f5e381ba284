'use strict';
// Workload identity federation and service account impersonation for the
// emulator (see README.md, "Auth endpoints"):
//   POST /v1/token            STS token exchange (RFC 8693), as sts.googleapis.com answers
//   POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken
//                             IAM Credentials, as iamcredentials.googleapis.com answers
//   GET  /subject-token       a URL subject token for URL-sourced credentials
//                             (an identity provider's endpoint, e.g. Azure's IMDS)
// server.js calls route() before its own routes; tokens issued here go into
// the emulator's token table, so --strict-auth accepts them.

const crypto = require('crypto');

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TYPES = [
  'urn:ietf:params:oauth:token-type:jwt', 'urn:ietf:params:oauth:token-type:id_token',
  'urn:ietf:params:oauth:token-type:saml2', 'urn:ietf:params:aws:token-type:aws4_request',
];
const SCOPES = /^https:\/\/www\.googleapis\.com\/auth\/(bigquery|cloud-platform)$/;
const IAM = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/;

// The config keys of this module, with their defaults (merged into server.js's).
function defaults() {
  return {
    tokenLifetime: 3599,       // expires_in of every token the emulator issues, seconds
    stsAudiences: [],          // audiences STS accepts (workload identity pool providers)
    stsSubjectTokens: [],      // subject tokens STS trusts
    stsClients: [],            // [{client_id, client_secret}]: when set, STS requires one
    impersonationTargets: [],  // service accounts generateAccessToken serves; [] = any
    urlSubjectToken: null,     // what GET /subject-token serves; null = 404
    urlSubjectHeader: null,    // "Name: value" that GET /subject-token requires
  };
}

// Command-line options of this module: [valued, multi] names, and their config.
const OPTIONS = [['token-lifetime', 'url-subject-token', 'url-subject-header'],
  ['sts-audience', 'sts-subject-token', 'sts-client', 'impersonate']];

function fromArgs(o, die) {
  const c = {};
  if (o['token-lifetime'] !== undefined) {
    const n = Number(o['token-lifetime']);
    if (!Number.isInteger(n) || n < 1) die(`option '--token-lifetime' needs an integer >= 1, got '${o['token-lifetime']}'`);
    c.tokenLifetime = n;
  }
  if (o['url-subject-token'] !== undefined) c.urlSubjectToken = o['url-subject-token'];
  if (o['url-subject-header'] !== undefined) {
    if (!/^[A-Za-z0-9-]+:\s*\S/.test(o['url-subject-header'])) die(`bad --url-subject-header '${o['url-subject-header']}' (want 'Name: value')`);
    c.urlSubjectHeader = o['url-subject-header'];
  }
  if (o['sts-audience']) c.stsAudiences = o['sts-audience'];
  if (o['sts-subject-token']) c.stsSubjectTokens = o['sts-subject-token'];
  if (o['sts-client']) {
    c.stsClients = o['sts-client'].map((s) => {
      const k = s.indexOf(':');
      if (k < 1) die(`bad --sts-client '${s}' (want ID:SECRET)`);
      return { client_id: s.slice(0, k), client_secret: s.slice(k + 1) };
    });
  }
  if (o.impersonate) c.impersonationTargets = o.impersonate;
  return c;
}

// A new token in the emulator's table, valid for lifetime seconds (whole
// seconds, as expireTime says them).
function mint(server, source, lifetime) {
  const token = 'ya29.bqemu-' + crypto.randomBytes(18).toString('base64url');
  const expires = Math.floor(Date.now() / 1000 + lifetime) * 1000;
  server.emu.tokens.set(token, { source, expires });
  return { token, expires };
}

function lifetimeOf(server) {
  return Number(server.config.tokenLifetime) || 3599;
}

// An issued, unexpired token of an Authorization: Bearer header, or null.
function issuedBearer(server, req) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization || '');
  if (!m) return null;
  const t = server.emu.tokens.get(m[1]);
  if (!t || t.expires < Date.now() || (server.config.expiredTokens || []).includes(m[1])) return null;
  return { token: m[1], source: t.source };
}

function fingerprint(token) {
  return crypto.createHash('sha256').update(token).digest('hex').slice(0, 12);
}

// ---- STS: POST /v1/token

function sts(server, req, body, entry) {
  const c = server.config;
  const fail = (status, error, desc) => {
    entry.error = error;
    return { status, body: { error, error_description: desc } };
  };
  const ct = String(req.headers['content-type'] || '');
  let f;
  if (/json/i.test(ct)) f = new Map(Object.entries(server.json(body)));
  else f = new Map(new URLSearchParams(body.toString('utf8')));
  // client authentication: HTTP Basic (what Google's libraries send), or in the body
  let client = null;
  const basic = /^Basic\s+(\S+)\s*$/i.exec(req.headers.authorization || '');
  if (basic) {
    const s = Buffer.from(basic[1], 'base64').toString('utf8');
    const k = s.indexOf(':');
    client = { id: k < 0 ? s : s.slice(0, k), secret: k < 0 ? '' : s.slice(k + 1), how: 'basic' };
  } else if (f.has('client_id')) {
    client = { id: f.get('client_id'), secret: f.get('client_secret') || '', how: 'body' };
  }
  if (client) {
    entry.clientAuth = client.how;
    const known = (c.stsClients || []).find((x) => x.client_id === client.id);
    if (!known || known.client_secret !== client.secret) return fail(401, 'invalid_client', 'The OAuth client was not found.');
  } else if ((c.stsClients || []).length) {
    return fail(401, 'invalid_client', 'Client authentication is required for this pool.');
  }
  if (f.get('grant_type') !== TOKEN_EXCHANGE) return fail(400, 'invalid_request', `Invalid value for "grant_type": "${f.get('grant_type') || ''}".`);
  if (f.get('requested_token_type') !== ACCESS_TOKEN) return fail(400, 'invalid_request', 'Invalid value for "requested_token_type".');
  const type = f.get('subject_token_type');
  if (!SUBJECT_TYPES.includes(type)) return fail(400, 'invalid_request', `Invalid value for "subject_token_type": "${type || ''}".`);
  entry.subjectTokenType = type;
  const aud = f.get('audience');
  if (!aud) return fail(400, 'invalid_request', 'Missing required parameter: "audience".');
  if ((c.stsAudiences || []).length && !c.stsAudiences.includes(aud)) {
    return fail(400, 'invalid_target', 'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.');
  }
  const scopes = String(f.get('scope') || '').split(/\s+/).filter(Boolean);
  if (!scopes.some((s) => SCOPES.test(s))) return fail(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
  if (f.has('options')) {
    try {
      entry.stsOptions = Object.keys(JSON.parse(f.get('options'))).sort();
    } catch (e) {
      return fail(400, 'invalid_request', 'Invalid value for "options": not JSON.');
    }
  }
  const subject = f.get('subject_token');
  if (!subject) return fail(400, 'invalid_request', 'Missing required parameter: "subject_token".');
  if (!(c.stsSubjectTokens || []).includes(subject)) return fail(400, 'invalid_grant', 'The subject token could not be verified by the identity provider.');
  const life = lifetimeOf(server);
  const t = mint(server, 'sts', life);
  return { status: 200, body: { access_token: t.token, issued_token_type: ACCESS_TOKEN, token_type: 'Bearer', expires_in: life } };
}

// ---- IAM Credentials: POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken

function googleError(code, status, message) {
  return { status: code, body: { error: { code, message, status } } };
}

function generateAccessToken(server, req, body, email, entry) {
  const out = iamAnswer(server, req, body, email, entry);
  if (out.status !== 200) entry.error = out.body.error.status;
  return out;
}

function iamAnswer(server, req, body, email, entry) {
  const c = server.config;
  entry.target = email;
  const h = req.headers.authorization;
  if (!h) return googleError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (m) entry.token = fingerprint(m[1]);
  const caller = issuedBearer(server, req);
  if (!caller) return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
  entry.tokenSource = caller.source;
  const targets = c.impersonationTargets || [];
  if (targets.length && !targets.includes(email)) {
    return googleError(403, 'PERMISSION_DENIED', "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).");
  }
  let b;
  try {
    b = JSON.parse(body.toString('utf8') || '{}');
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new Error('not an object');
  } catch (e) {
    return googleError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. ${e.message}`);
  }
  for (const k of Object.keys(b)) {
    if (!['scope', 'lifetime', 'delegates'].includes(k)) return googleError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`);
  }
  if (!Array.isArray(b.scope) || !b.scope.length || !b.scope.every((s) => typeof s === 'string')) {
    return googleError(400, 'INVALID_ARGUMENT', 'Scope required.');
  }
  let lifetime = 3600;
  if (b.lifetime !== undefined) {
    const lm = /^(\d+)(\.\d+)?s$/.exec(String(b.lifetime));
    if (!lm) return googleError(400, 'INVALID_ARGUMENT', `Invalid value at 'lifetime' (type.googleapis.com/google.protobuf.Duration), Field 'lifetime', Illegal duration format; duration must end with 's'`);
    lifetime = Number(lm[1]);
    if (lifetime < 1 || lifetime > 3600) return googleError(400, 'INVALID_ARGUMENT', `The lifetime must be between 1 and 3600 seconds; got ${lm[1]}s.`);
  }
  entry.lifetime = lifetime;
  if (b.delegates !== undefined) {
    if (!Array.isArray(b.delegates) || !b.delegates.every((d) => typeof d === 'string' && /^projects\/-\/serviceAccounts\/[^/]+$/.test(d))) {
      return googleError(400, 'INVALID_ARGUMENT', 'Delegates must be of the form projects/-/serviceAccounts/{ACCOUNT_EMAIL_OR_UNIQUEID}.');
    }
    entry.delegates = b.delegates.length;
  }
  const t = mint(server, 'iam:' + email, Math.min(lifetime, lifetimeOf(server)));
  return { status: 200, body: { accessToken: t.token, expireTime: new Date(t.expires).toISOString().replace(/\.\d{3}Z$/, 'Z') } };
}

// ---- GET /subject-token[?field=NAME]

function subjectToken(server, req, url) {
  const c = server.config;
  if (c.urlSubjectToken === null || c.urlSubjectToken === undefined) return { status: 404, body: 'no subject token configured\n' };
  if (c.urlSubjectHeader) {
    const k = c.urlSubjectHeader.indexOf(':');
    const name = c.urlSubjectHeader.slice(0, k).trim().toLowerCase();
    const value = c.urlSubjectHeader.slice(k + 1).trim();
    if (req.headers[name] !== value) {
      return { status: 400, body: { error: 'invalid_request', error_description: `Required metadata header not specified: ${c.urlSubjectHeader.slice(0, k).trim()}` } };
    }
  }
  const field = url.searchParams.get('field');
  if (!field) return { status: 200, body: c.urlSubjectToken };
  return { status: 200, body: { [field]: c.urlSubjectToken, token_type: 'Bearer', expires_in: String(lifetimeOf(server)) } };
}

// The answer to one of this module's routes, or null for any other request.
function route(server, req, url, body, entry) {
  const p = url.pathname;
  if (p === '/v1/token' && req.method === 'POST') {
    entry.api = 'sts.token';
    return sts(server, req, body, entry);
  }
  const m = IAM.exec(p);
  if (m && req.method === 'POST') {
    entry.api = 'iam.generateAccessToken';
    return generateAccessToken(server, req, body, decodeURIComponent(m[1]), entry);
  }
  if (p === '/subject-token' && req.method === 'GET') {
    entry.api = 'subject-token';
    return subjectToken(server, req, url);
  }
  return null;
}

module.exports = { defaults, route, OPTIONS, fromArgs };
