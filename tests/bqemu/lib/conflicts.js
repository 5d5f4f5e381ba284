'use strict';
// Which writers conflict, as BigQuery documents it ("Multi-statement
// transactions", Transaction concurrency; "DML", DML statement conflicts):
//
// - A transaction that MUTATES rows of a table (updates or deletes them)
//   conflicts with other transactions and DML that mutate that table.
// - Reading and appending never conflict: SELECT, INSERT, INSERT … SELECT,
//   loads with WRITE_APPEND, streaming. "A MERGE … doesn't conflict … as long
//   as the statement only inserts rows …, as long as [its UPDATE or DELETE]
//   clauses aren't invoked when the query runs."
//
// So a statement is a mutation by what it did, not by its type: by its DML
// stats (updatedRowCount + deletedRowCount > 0). A DELETE that deleted
// nothing, an UPDATE that matched nothing and a MERGE that only inserted are
// appends (or no-ops) and conflict with nothing. Two writers that each delete
// an empty window and insert it both commit: the rows are then there twice,
// and closing that race is the client's business, as it is on BigQuery.
//
// Among mutating transactions the first to COMMIT wins (snapshot isolation:
// reads see the transaction's start): a transaction fails at COMMIT when a
// mutation of a table it mutated was committed after its BEGIN; DuckDB's own
// write-write conflicts (two writers touching the same row) fail at once.
// Either way: reason invalidQuery, HTTP 400, "Could not serialize access to
// table P:D.T due to concurrent update", and the transaction is rolled back.
// (BigQuery's page says conflicting transactions are "cancelled"; which one
// is cancelled is not said: the emulator lets the first committer win.)

const { BqError } = require('./errors');

function tableId(tbl) {
  return `${tbl.projectId}:${tbl.datasetId}.${tbl.tableId}`;
}

function conflictError(tbl) {
  return new BqError('invalidQuery', `Could not serialize access to table ${tableId(tbl)} due to concurrent update`);
}

// A DuckDB error that is a write-write (or commit-time) conflict.
function isDuckConflict(e) {
  return /conflict/i.test(e && e.message ? e.message : '');
}

// Did a DML statement with these counts mutate its table?
function mutates(counts) {
  return counts.updated + counts.deleted > 0;
}

class Conflicts {
  constructor(emu) {
    this.emu = emu;
    this.clock = 0; // commit sequence: a table's lastMutation is the clock of its last committed mutation
  }

  begin() {
    return { start: this.clock, mutated: new Map(), touched: new Map() };
  }

  // One DML statement of a transaction ran on tbl with counts {inserted,
  // updated, deleted}: a mutation marks the table mutated by the transaction.
  statement(txn, tbl, counts) {
    if (tbl && mutates(counts)) txn.mutated.set(tableId(tbl), tbl);
  }

  // A statement outside a transaction is about to commit: a mutation is a
  // committed mutation of tbl from now. Returns the undo for a failed COMMIT.
  autocommit(tbl, counts) {
    if (!tbl || !mutates(counts)) return () => {};
    return this.committing({ mutated: new Map([[tableId(tbl), tbl]]) }, String(Date.now()));
  }

  // A WRITE_TRUNCATE load is about to commit: it replaces the table's rows,
  // a mutation however many there were. Returns the undo for a failed COMMIT.
  replacing(tbl) {
    return this.committing({ mutated: new Map([[tableId(tbl), tbl]]) }, String(Date.now()));
  }

  // Before COMMIT: the first table this transaction mutated that someone else
  // mutated (and committed) since its BEGIN, else null.
  loser(txn) {
    for (const tbl of txn.mutated.values()) if ((tbl.lastMutation || 0) > txn.start) return tbl;
    return null;
  }

  // The transaction's check passed: its mutations count as committed from
  // now, in the same tick as the check (no other COMMIT can pass its own check
  // in between). Returns the undo for a COMMIT that then fails in DuckDB.
  committing(txn, when) {
    const seq = ++this.clock;
    const before = [...txn.mutated.values()].map((tbl) => [tbl, tbl.lastMutation, tbl.lastModifiedTime]);
    for (const tbl of txn.mutated.values()) {
      tbl.lastMutation = seq;
      tbl.lastModifiedTime = when;
    }
    return () => {
      for (const [tbl, m, t] of before) {
        if (tbl.lastMutation === seq) {
          tbl.lastMutation = m;
          tbl.lastModifiedTime = t;
        }
      }
    };
  }
}

module.exports = { Conflicts, conflictError, isDuckConflict, mutates };
