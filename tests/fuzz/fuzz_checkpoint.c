/*
 * fuzz_checkpoint — what pgs-checkpoint reads back: the job state file (its "done" ranges and
 * batches, through `status` in text and --json form) and pgs-write's statistics line on stdin
 * (`done`).  Input: 'S' then the stdin of `done`; or a first byte choosing text/--json, then
 * the state file.
 *
 * The parsing is static in src/pgs-checkpoint.c, so the file is included (its main renamed);
 * it should move to lib (a job-state module: parse the state, the done ranges, the stats line)
 * so this can link instead.
 */
#define main pgs_checkpoint_main
int pgs_checkpoint_main(int argc, char **argv);
#include "../../src/pgs-checkpoint.c"
#undef main

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opts o;
	struct job j;
	json_t *stats;
	int saved, fd;

	fuzz_setup();
	if (size > 0 && data[0] == 'S') {
		/* the stats line: stdin is a regular file holding the rest */
		saved = dup(STDIN_FILENO);
		fd = open(fuzz_file(data + 1, size - 1), O_RDONLY);
		if (saved < 0 || fd < 0 || dup2(fd, STDIN_FILENO) < 0)
			abort();
		close(fd);
		stats = read_stats();
		FUZZ_ASSERT(!stats || json_is_object(stats));
		json_decref(stats);
		dup2(saved, STDIN_FILENO);
		close(saved);
		return 0;
	}
	memset(&o, 0, sizeof(o));
	memset(&j, 0, sizeof(j));
	j.lockfd = -1;
	o.job = "fuzz";
	o.json = size > 0 && data[0] == 'J';
	j.st = json_loadb(size > 0 ? (const char *)data + 1 : "", size > 0 ? size - 1 : 0, 0, NULL);
	if (json_is_object(j.st) && days_load(&j.done, json_object_get(j.st, "done")) == 0) {
		json_t *back = days_json(&j.done);

		/* the ranges come back sorted and disjoint */
		for (size_t i = 1; i < j.done.n; i++)
			FUZZ_ASSERT(j.done.iv[i - 1][1] + 1 < j.done.iv[i][0]);
		json_decref(back);
		cmd_status(&j, &o);
		fflush(stdout);
	}
	job_free(&j);
	return 0;
}
