/*
 * rejects.h — bad input is never dropped silently.
 *
 * Every rejected line goes either to the --rejects file as one NDJSON object
 * {"tool","input","line","error","raw"} or, without that option, to stderr as
 * "PROG: INPUT:LINE: reason".  The count decides the exit status (1), and
 * --max-rejects turns too many into a failure (3).
 */
#ifndef PGS_REJECTS_H
#define PGS_REJECTS_H

/* Open the rejects sink: path NULL means stderr.  max < 0 means no limit.
 * Returns 0, or -1 after printing why the file could not be opened. */
int pgs_rejects_init(const char *path, long max);
/*
 * Record one reject.  input is the input's name, line its 1-based line number
 * (0 when unknown), raw the offending text (may be NULL).  Returns 0, or -1
 * once --max-rejects is exceeded or the rejects file cannot be written
 * (already reported); the caller then fails with exit 3.
 */
int pgs_reject(const char *input, long line, const char *raw, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
long pgs_reject_count(void);
/* Flush and close the rejects file; -1 on a write error (reported). */
int pgs_rejects_close(void);

#endif
