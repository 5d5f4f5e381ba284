/* test_run.c — lib/run.c: the coordinator's rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "unit.h"

static void
test_outcomes(void)
{
	struct pgs_batch b;
	char why[256];
	const char *done = "{\"table\":\"player_game_summary\",\"from\":\"2021-10-18\",\"to\":\"2021-10-24\","
	    "\"rows_in\":10,\"inserted\":7,\"updated\":1,\"unchanged\":2,\"deleted\":0,\"ms\":5}";
	const char *shrink = "{\"from\":\"2021-10-18\",\"to\":\"2021-10-18\",\"rows_in\":1,\"inserted\":0,"
	    "\"updated\":0,\"unchanged\":1,\"deleted\":9,\"refused\":\"shrink\"}";
	const char *rejected = "{\"from\":\"2021-10-18\",\"to\":\"2021-10-18\",\"rows_in\":1,\"inserted\":1,"
	    "\"updated\":0,\"unchanged\":0,\"deleted\":0,\"rejected_upstream\":2}";

	CHECK_INT(pgs_batch_from_stats(&b, done, strlen(done), why, sizeof(why)), 0);
	CHECK_INT(b.status, PGS_BATCH_DONE);
	CHECK_INT(b.days, 7);
	CHECK_INT(b.code, 0);
	CHECK_INT(b.counts[0], 10);
	CHECK_INT(b.counts[3], 2);
	CHECK_INT(pgs_batch_from_stats(&b, shrink, strlen(shrink), why, sizeof(why)), 0);
	CHECK_INT(b.status, PGS_BATCH_REFUSED);
	CHECK_INT(b.code, 4);
	CHECK_INT(b.counts[0], 0);
	CHECK_STR(b.msg, "refused by pgs-write's shrink guard (the window would lose rows; see --allow-shrink)");
	CHECK_INT(pgs_batch_from_stats(&b, rejected, strlen(rejected), why, sizeof(why)), 0);
	CHECK_INT(b.code, 1);
	/* a line without its window, or not a statistics line */
	CHECK_INT(pgs_batch_from_stats(&b, "{\"rows_in\":1,\"inserted\":1,\"updated\":0,\"unchanged\":0,"
	    "\"deleted\":0}", 62, why, sizeof(why)), -1);
	CHECK_INT(pgs_batch_from_stats(&b, "oops", 4, why, sizeof(why)), -1);
}

static void
test_cause(void)
{
	const int killed_reader[] = { 141, 3, 3, 0 }, refused[] = { 0, 0, 0, 4 };
	const int ok[] = { 0, 1, 0, 0 }, pipe_only[] = { 0, 141, 0, 0 }, first[] = { 3, 3, 3, 3 };
	char msg[256];
	const char *log = "pgs-extract: 10 rows\npgs-write: store: disk I/O error (simulated)\n"
	    "pgs-write: nothing written\npgs-transform: not found: x\n";

	/* the first that failed by itself; a SIGPIPE only lost its reader; 4 comes with a line */
	CHECK_INT(pgs_run_cause(killed_reader, 4), 1);
	CHECK_INT(pgs_run_cause(first, 4), 0);
	CHECK_INT(pgs_run_cause(refused, 4), -1);
	CHECK_INT(pgs_run_cause(ok, 4), -1);
	CHECK_INT(pgs_run_cause(pipe_only, 4), 1);
	/* the stage's own last word, else a line naming it, else nothing; a
	 * signal in words, not its older last word */
	pgs_run_stage_message("pgs-write", 3, log, strlen(log), msg, sizeof(msg));
	CHECK_STR(msg, "pgs-write exited 3: nothing written");
	pgs_run_stage_message("pgs-write", 137, log, strlen(log), msg, sizeof(msg));
	CHECK_STR(msg, "pgs-write was killed (SIGKILL)");
	pgs_run_stage_message("pgs-transform", 143, log, strlen(log), msg, sizeof(msg));
	CHECK_STR(msg, "pgs-transform was killed (SIGTERM)");
	pgs_run_stage_message("pgs-resolve", 3, log, strlen(log), msg, sizeof(msg));
	CHECK_STR(msg, "pgs-resolve exited 3");
}

static void
test_fill(void)
{
	char *a;

	/* {} the windows file, {from} and {to} one batch's dates; other braces stay */
	a = pgs_run_fill("--windows={}", "/tmp/w", "2021-10-01", "2021-10-07");
	CHECK_STR(a, "--windows=/tmp/w");
	free(a);
	a = pgs_run_fill("{from}..{to} {x}", NULL, "2021-10-01", "2021-10-07");
	CHECK_STR(a, "2021-10-01..2021-10-07 {x}");
	free(a);
	a = pgs_run_fill("{}", NULL, NULL, NULL);
	CHECK_STR(a, "{}");
	free(a);
	/* the run's start: µs since the epoch, or ISO-8601 */
	CHECK(pgs_run_started_ms("1700000000123456") == 1700000000123LL);
	CHECK(pgs_run_started_ms("2023-11-14T22:13:20Z") == 1700000000000LL);
}

static void
test_chunks(void)
{
	/* about four chunks a worker */
	CHECK_INT(pgs_run_chunk_size(21, 2), 3);
	CHECK_INT(pgs_run_chunk_size(944, 2), 118);
	CHECK_INT(pgs_run_chunk_size(3, 4), 1);
	CHECK_INT(pgs_run_chunk_size(0, 2), 1);
}

static void
test_totals(void)
{
	struct pgs_run_totals t = { .batches_total = 3, .days_total = 21 };
	struct pgs_batch b;
	pgs_buf out = { 0 };

	pgs_batch_init(&b, "2021-10-18", "2021-10-24");
	b.counts[0] = b.counts[1] = 100;
	pgs_run_account(&t, &b);
	pgs_run_progress(&t, 2000, &out);
	CHECK_STR(out.s, "1/3 batches  7/21 days  100 rows  50 rows/s  eta 0:00:04");
	pgs_buf_reset(&out);
	pgs_batch_init(&b, "2021-10-25", "2021-10-31");
	b.status = PGS_BATCH_FAILED;
	b.code = 3;
	snprintf(b.msg, sizeof(b.msg), "pgs-write exited 3: boom");
	pgs_run_account(&t, &b);
	CHECK_INT(pgs_run_end(&t, "pgs-backfill", 0, &out), 3);
	CHECK_STR(out.s, "pgs-backfill: failed batches: 2021-10-25..2021-10-31 (re-run to retry them)\n"
	    "pgs-backfill: 1 batches gave no result (re-run to retry them)\n");
	pgs_buf_reset(&out);
	pgs_batch_init(&b, "2021-11-01", "2021-11-07");
	b.status = PGS_BATCH_REFUSED;
	b.code = 4;
	snprintf(b.msg, sizeof(b.msg), "refused by pgs-write");
	pgs_run_account(&t, &b);
	/* a refusal outranks a failure */
	CHECK_INT(pgs_run_end(&t, "p", 0, &out), 4);
	pgs_buf_reset(&out);
	pgs_run_summary(&t, "p", "j", 0, 1234, &out);
	CHECK_STR(out.s, "p: summary of job j\n  batches    3 of 3 run, 1 failed, 1 refused\n  days       21\n"
	    "  rows       100 in: 100 inserted, 0 updated, 0 unchanged, 0 deleted\n"
	    "  failed     2021-10-25..2021-10-31  pgs-write exited 3: boom\n"
	    "  refused    2021-11-01..2021-11-07  refused by pgs-write\n  wall time  1.2 s\n");
	pgs_buf_free(&out);
	pgs_run_totals_free(&t);
	/* halted, nothing failed but rejected rows: 3; rejected alone: 1 */
	struct pgs_run_totals u = { .batches_total = 1, .batches = 1, .rejected = 1 };
	pgs_buf o2 = { 0 };

	CHECK_INT(pgs_run_end(&u, "p", 0, &o2), 1);
	CHECK_INT(pgs_run_end(&u, "p", 1, &o2), 3);
	pgs_buf_free(&o2);

	/* a lost host's chunk run again elsewhere: each batch counted once, a failure replaced by
	 * the later success, a success not replaced */
	struct pgs_run_totals r = { .batches_total = 2, .days_total = 14 };
	pgs_buf o3 = { 0 };

	pgs_batch_init(&b, "2021-10-18", "2021-10-24");
	b.counts[0] = b.counts[1] = 100;
	pgs_run_account(&r, &b);
	b.counts[1] = 0;
	b.counts[3] = 100;
	pgs_run_account(&r, &b);
	pgs_batch_init(&b, "2021-10-25", "2021-10-31");
	b.status = PGS_BATCH_FAILED;
	b.code = 3;
	snprintf(b.msg, sizeof(b.msg), "ssh exited 255");
	pgs_run_account(&r, &b);
	pgs_batch_init(&b, "2021-10-25", "2021-10-31");
	b.counts[0] = b.counts[1] = 50;
	b.code = 1;
	pgs_run_account(&r, &b);
	CHECK_INT(pgs_run_end(&r, "p", 0, &o3), 1);
	pgs_run_summary(&r, "p", "j", 0, 0, &o3);
	CHECK_STR(o3.s, "p: summary of job j\n  batches    2 of 2 run, 0 failed, 0 refused\n  days       14\n"
	    "  rows       150 in: 150 inserted, 0 updated, 0 unchanged, 0 deleted\n  failed     none\n"
	    "  wall time  0.0 s\n");
	pgs_buf_free(&o3);
	pgs_run_totals_free(&r);
}

static void
test_lost_hosts(void)
{
	const char *log = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"
	    "1\t-F cfg h2\t1.0\t0.5\t0\t0\t255\t0\tpgs-run --worker --from 2021-10-18 --to 2021-10-19\n"
	    "2\t-F cfg h1\t1.0\t0.5\t0\t10\t0\t0\tpgs-run --worker --from 2021-10-20 --to 2021-10-21\n"
	    "3\t-F cfg h2\t1.0\t0.5\t0\t0\t255\t0\tpgs-run --worker --from 2021-10-22 --to 2021-10-23\n";
	pgs_buf out = { 0 };

	CHECK_INT(pgs_run_lost_hosts(log, strlen(log), "pgs-backfill", &out), 2);
	CHECK_STR(out.s, "pgs-backfill: host h2 was lost or could not be reached (ssh exited 255); no result for:"
	    " 2021-10-18..2021-10-19 2021-10-22..2021-10-23\n");
	pgs_buf_free(&out);
}

int
main(void)
{
	test_outcomes();
	test_cause();
	test_fill();
	test_chunks();
	test_totals();
	test_lost_hosts();
	return unit_report();
}
