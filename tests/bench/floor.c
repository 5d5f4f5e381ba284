/*
 * floor.c — the cost floor for one NDJSON pass: parse every line with
 * jansson and print it back compact.  No pgs stage can do less work than
 * this, so tests/bench/run reports every stage as a multiple of it.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int
main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	json_error_t err;
	long n = 0;

	while ((len = getline(&line, &cap, stdin)) != -1) {
		json_t *v = json_loadb(line, (size_t)len, 0, &err);

		if (v == NULL) {
			fprintf(stderr, "floor: line %ld: %s\n", n + 1, err.text);
			return 1;
		}
		if (json_dumpf(v, stdout, JSON_COMPACT) == -1 || putchar('\n') == EOF)
			return 1;
		json_decref(v);
		n++;
	}
	free(line);
	return fflush(stdout) == 0 && !ferror(stdin) ? 0 : 1;
}
