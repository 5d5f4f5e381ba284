/*
 * proc.h — the processes a coordinator runs: a pipeline of stages in a
 * process group of its own (started, waited for, stopped TERM then KILL),
 * a program whose output is read (GNU parallel), the signals that stop a
 * run, and a run's temporary directory.
 *
 * Statuses are the shell's: the exit code, or 128 + the signal that killed
 * the process.  Errors are reported (pgs_err) and returned; nothing here
 * exits.
 */
#ifndef PGS_PROC_H
#define PGS_PROC_H

#include <stdio.h>
#include <sys/types.h>

#include "util.h"

#define PGS_MAXSTAGES 16

/* One pipeline of stages. */
struct pgs_pipeline {
	pid_t pid[PGS_MAXSTAGES];    /* 0 once reaped */
	int status[PGS_MAXSTAGES];   /* the shell's status of each stage */
	size_t n;
	pid_t pgid;
	FILE *out;                   /* the last stage's standard output */
};

/*
 * Start the n stages argv[0..n) (each NULL-terminated; argv[i][0] found on
 * PATH) in a process group of their own, so that stopping the run stops all
 * of it: standard input /dev/null, standard error errfd, each stage's output
 * the next one's input, the last one's read through p->out.  0, or -1.
 */
int pgs_pipeline_start(struct pgs_pipeline *p, char **const *argv, size_t n, int errfd);
/* Wait for every stage: their statuses in p->status; p->out is closed. */
void pgs_pipeline_wait(struct pgs_pipeline *p);
/* Stop every process of the pipeline (TERM, KILL after a second) and reap the stages. */
void pgs_pipeline_stop(struct pgs_pipeline *p);

/* Run argv (on PATH), standard input /dev/null, its standard output read
 * through *out; its pid, or -1. */
pid_t pgs_spawn_reader(char **argv, FILE **out);
/* Wait for pid (through EINTR): its shell status. */
int pgs_wait_status(pid_t pid);

/*
 * The stages' diagnostics: a file they write (their standard error) and the
 * coordinator reads as it goes, a batch's lines at a time.
 */
struct pgs_stagelog {
	int fd;                      /* -1 when closed */
	off_t off;                   /* read up to here */
};

/* Start the log at path again, empty (a new pipeline writes it): 0, or -1 (reported). */
int pgs_stagelog_reset(struct pgs_stagelog *l, const char *path);
/* The complete lines written since the last call (a line still being
 * written waits for the next), appended to b. */
void pgs_stagelog_take(struct pgs_stagelog *l, pgs_buf *b);
void pgs_stagelog_close(struct pgs_stagelog *l);

/* Is cmd a program on PATH (or, with a '/', that file executable)? */
int pgs_on_path(const char *cmd);
/* CMD --version: its last word (a new string), or NULL. */
char *pgs_program_version(const char *cmd);

/* SIGINT, SIGTERM and SIGPIPE stop the run: a blocked read or wait returns
 * EINTR, and pgs_stop_signal() says which came first (0: none). */
void pgs_catch_stops(void);
int pgs_stop_signal(void);
/* "INT", "TERM", "KILL" ... */
const char *pgs_signal_name(int sig);

/* A new directory $TMPDIR/NAME.XXXXXX (a new string), or NULL (reported). */
char *pgs_tmpdir_make(const char *name);
/* Remove the directory and the files in it, and free dir. */
void pgs_tmpdir_remove(char *dir);

#endif
