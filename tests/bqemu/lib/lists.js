'use strict';
// Paging of datasets.list, tables.list and jobs.list (BigQuery REST v2
// reference: `maxResults` "The maximum number of results to return in a
// single response page. Leverage the page tokens to iterate through the
// entire collection", `pageToken` "Page token, returned by a previous call,
// to request the next page of results"; the responses' `nextPageToken`, and
// TableList's `totalItems` "The total number of tables in the dataset" —
// DatasetList and JobList have no totalItems).
//
// The reference gives no default page size; the emulator takes 50 for
// datasets and tables (what bq ls shows) and 1000 for jobs, or config
// `listPageSize` for all three (so a test reaches a second page with a few
// items). maxResults 0 or absent is the default; anything but a whole
// number >= 0 is 400 invalid. Order: datasets and tables by ID, jobs newest
// first ("in reverse chronological order, by job creation time"). A page
// token names the last item returned, so a list that changes between pages
// neither repeats nor skips the items that stayed; a token from another list
// is 400.

const { BqError } = require('./errors');

const DEFAULT_PAGE = { datasets: 50, tables: 50, jobs: 1000 };

function pageSize(q, kind, config) {
  const fallback = config.listPageSize ? Number(config.listPageSize) : DEFAULT_PAGE[kind];
  if (!q.has('maxResults')) return fallback;
  const raw = q.get('maxResults');
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new BqError('invalid', `Invalid value at 'max_results' (TYPE_UINT32), "${raw}"`);
  return n === 0 ? fallback : n;
}

function encode(scope, key) {
  return Buffer.from(JSON.stringify([scope, key])).toString('base64url');
}

function decode(tok, scope) {
  let v;
  try {
    v = JSON.parse(Buffer.from(String(tok), 'base64url').toString('utf8'));
  } catch (e) {
    v = null;
  }
  if (!Array.isArray(v) || v.length !== 2 || v[0] !== scope) throw new BqError('invalid', `Invalid page token: ${tok}`);
  return v[1];
}

// One page of items (already in list order, each with a unique string or
// number key, compared with `after(key, last)`: is key past the last one
// returned?). Returns {items, nextPageToken}.
function page(items, keyOf, after, q, kind, scope, config) {
  const size = pageSize(q, kind, config);
  let rest = items;
  if (q.get('pageToken')) {
    const last = decode(q.get('pageToken'), `${kind}:${scope}`);
    rest = items.filter((x) => after(keyOf(x), last));
  }
  const out = rest.slice(0, size);
  const r = { items: out };
  if (rest.length > out.length && out.length > 0) r.nextPageToken = encode(`${kind}:${scope}`, keyOf(out[out.length - 1]));
  return r;
}

const byId = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

// datasets.list body for the project's datasets (dataset objects).
function datasetList(proj, datasets, q, config) {
  const sorted = [...datasets].sort((a, b) => byId(a.datasetId, b.datasetId));
  const p = page(sorted, (d) => d.datasetId, (k, last) => k > last, q, 'datasets', proj, config);
  const body = { kind: 'bigquery#datasetList', etag: '' };
  body.datasets = p.items.map((ds) => ({
    kind: 'bigquery#dataset', id: `${proj}:${ds.datasetId}`, datasetReference: { projectId: proj, datasetId: ds.datasetId }, location: ds.location,
  }));
  if (p.nextPageToken) body.nextPageToken = p.nextPageToken;
  return body;
}

// tables.list body: entries made by entryOf(table).
function tableList(proj, d, tables, q, config, entryOf) {
  const sorted = [...tables].sort((a, b) => byId(a.tableId, b.tableId));
  const p = page(sorted, (t) => t.tableId, (k, last) => k > last, q, 'tables', `${proj}:${d}`, config);
  const body = { kind: 'bigquery#tableList', etag: '', tables: p.items.map(entryOf), totalItems: sorted.length };
  if (p.nextPageToken) body.nextPageToken = p.nextPageToken;
  return body;
}

// jobs.list body: jobs in creation order (each with its creation index `seq`),
// listed newest first; stateFilter (done, pending, running; repeatable)
// narrows them. entryOf(job) makes an entry.
function jobList(proj, jobs, q, config, entryOf) {
  const states = q.getAll('stateFilter').flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase()).filter(Boolean);
  const listed = jobs.map((job, seq) => ({ job, seq, entry: null }))
    .filter((x) => x.job.projectId === proj)
    .reverse();
  const withState = listed.map((x) => Object.assign(x, { entry: entryOf(x.job) }))
    .filter((x) => states.length === 0 || states.includes(x.entry.state));
  const p = page(withState, (x) => x.seq, (k, last) => k < last, q, 'jobs', proj, config);
  const body = { kind: 'bigquery#jobList', etag: '', jobs: p.items.map((x) => x.entry) };
  if (p.nextPageToken) body.nextPageToken = p.nextPageToken;
  return body;
}

module.exports = { datasetList, tableList, jobList, DEFAULT_PAGE };
