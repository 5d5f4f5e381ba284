#!/usr/bin/env node
// Usage: client-check.js URL PROJECT NDJSON-FILE
//
// Google's Node client for BigQuery (@google-cloud/bigquery, pinned in
// package.json), used as its documentation shows, against the emulator at
// URL: create a dataset and a table, load a local NDJSON file, run a query
// with named and positional parameters, and a multi-statement transaction.
// Prints one line per step ("step: result"); exits 1 on the first failure
// (the client's error on stderr).
//
// The client is not changed or patched: `apiEndpoint` points it at URL, and
// its credentials come the way they come on a Compute Engine VM, from the
// metadata server (the caller sets GCE_METADATA_HOST to the emulator and
// METADATA_SERVER_DETECTION=assume-present), whose token the emulator issued.
'use strict';

const { BigQuery } = require('@google-cloud/bigquery');

async function main() {
  const [url, projectId, ndjson] = process.argv.slice(2);
  if (!url || !projectId || !ndjson) {
    process.stderr.write('usage: client-check.js URL PROJECT NDJSON-FILE\n');
    process.exit(2);
  }
  const bq = new BigQuery({ projectId, apiEndpoint: url, location: 'US' });
  const say = (step, v) => process.stdout.write(`${step}: ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);

  const [ds] = await bq.createDataset('client_ds', { location: 'US' });
  say('dataset', ds.id);

  const schema = [
    { name: 'game_date', type: 'DATE', mode: 'REQUIRED' },
    { name: 'player', type: 'STRING', mode: 'REQUIRED' },
    { name: 'points', type: 'INTEGER' },
    { name: 'minutes', type: 'FLOAT' },
  ];
  const [table] = await ds.createTable('games', {
    schema, timePartitioning: { type: 'DAY', field: 'game_date' }, clustering: { fields: ['player'] },
  });
  const [meta] = await table.getMetadata();
  say('table', `${table.id} ${meta.timePartitioning.field} ${meta.schema.fields.map((f) => f.type).join(',')}`);

  const [load] = await table.load(ndjson, { sourceFormat: 'NEWLINE_DELIMITED_JSON', schema: { fields: schema } });
  say('load', `${load.status.state} ${load.statistics.load.outputRows} rows`);

  const [rows] = await bq.query({
    query: 'SELECT player, SUM(points) AS pts, MAX(minutes) AS mins FROM `client_ds.games` ' +
      'WHERE game_date BETWEEN @lo AND @hi AND points >= @min GROUP BY player ORDER BY player',
    params: { lo: bq.date('2024-01-01'), hi: bq.date('2024-01-02'), min: 1 },
  });
  say('query', rows.map((r) => `${r.player}=${r.pts}/${r.mins}`).join(' '));

  const [pos] = await bq.query({ query: 'SELECT ? + 1 AS n, ? AS s', params: [41, 'x'] });
  say('positional', pos);

  const [txn] = await bq.query({
    query: `BEGIN TRANSACTION;
      DELETE FROM client_ds.games WHERE game_date = @day;
      INSERT INTO client_ds.games (game_date, player, points) VALUES (@day, 'z', 99);
      COMMIT TRANSACTION;
      SELECT COUNT(*) AS n, SUM(points) AS pts FROM client_ds.games;`,
    params: { day: bq.date('2024-01-02') },
  });
  say('transaction', txn);

  // jobs.insert, then getQueryResults page by page (the client follows pageToken)
  const [job] = await bq.createQueryJob({
    query: 'SELECT player, points FROM client_ds.games WHERE points > @min ORDER BY points', params: { min: 0 },
  });
  const paged = [];
  let pages = 0;
  for (let opts = { maxResults: 1, autoPaginate: false }; opts; pages++) {
    const [rows, next] = await job.getQueryResults(opts);
    paged.push(...rows.map((r) => r.points));
    opts = next;
  }
  say('paged', `${paged.join(',')} in ${pages} pages`);

  // tables.list page by page
  for (const name of ['extra_b', 'extra_a']) await ds.createTable(name, { schema: [{ name: 'n', type: 'INTEGER' }] });
  const ids = [];
  pages = 0;
  for (let opts = { maxResults: 2, autoPaginate: false }; opts; pages++) {
    const [tables, next] = await ds.getTables(opts);
    ids.push(...tables.map((t) => t.id));
    opts = next;
  }
  say('tables', `${ids.join(',')} in ${pages} pages`);
}

main().catch((e) => {
  process.stderr.write(`client-check: ${e.stack || e}\n${e.errors ? JSON.stringify(e.errors) + '\n' : ''}`);
  process.exit(1);
});
