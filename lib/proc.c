/* proc.c — the processes a coordinator runs (see proc.h). */
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static volatile sig_atomic_t stop_sig;

static void
on_signal(int sig)
{
	if (!stop_sig)
		stop_sig = sig;
}

void
pgs_catch_stops(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

int
pgs_stop_signal(void)
{
	return stop_sig;
}

const char *
pgs_signal_name(int sig)
{
	const char *s = sigabbrev_np(sig);

	return s ? s : "?";
}

/* In a child: the signals as a program expects them. */
static void
default_signals(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
}

static int
shell_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
}

int
pgs_pipeline_start(struct pgs_pipeline *p, char **const *argv, size_t n, int errfd)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC), fds[2];

	memset(p, 0, sizeof(*p));
	if (in < 0) {
		pgs_err("cannot open /dev/null: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n && i < PGS_MAXSTAGES; i++) {
		pid_t pid;

		if (pipe2(fds, O_CLOEXEC) < 0) {
			pgs_err("cannot make a pipe: %s", strerror(errno));
			close(in);
			return -1;
		}
		if ((pid = fork()) < 0) {
			pgs_err("cannot start '%s': %s", argv[i][0], strerror(errno));
			close(in);
			close(fds[0]);
			close(fds[1]);
			return -1;
		}
		if (pid == 0) {
			setpgid(0, p->pgid);
			default_signals();
			if (dup2(in, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(errfd, 2) < 0)
				_exit(126);
			execvp(argv[i][0], argv[i]);
			dprintf(2, "%s: %s\n", argv[i][0], errno == ENOENT ? "command not found" : strerror(errno));
			_exit(errno == ENOENT ? 127 : 126);
		}
		if (!p->pgid)
			p->pgid = pid;
		setpgid(pid, p->pgid);
		p->pid[p->n++] = pid;
		close(in);
		close(fds[1]);
		in = fds[0];
	}
	if (!(p->out = fdopen(in, "r"))) {
		close(in);
		return -1;
	}
	return 0;
}

int
pgs_wait_status(pid_t pid)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return shell_status(st);
}

void
pgs_pipeline_wait(struct pgs_pipeline *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->pid[i] > 0)
			p->status[i] = pgs_wait_status(p->pid[i]);
		p->pid[i] = 0;
	}
	if (p->out)
		fclose(p->out);
	p->out = NULL;
}

void
pgs_pipeline_stop(struct pgs_pipeline *p)
{
	struct timespec ts = { 0, 20 * 1000000L };
	size_t left;

	if (p->out)
		fclose(p->out);
	p->out = NULL;
	kill(-p->pgid, SIGTERM);
	for (int t = 0; t < 100; t++) {
		left = 0;
		for (size_t i = 0; i < p->n; i++) {
			int st;

			if (p->pid[i] > 0 && waitpid(p->pid[i], &st, WNOHANG) == p->pid[i]) {
				p->status[i] = shell_status(st);
				p->pid[i] = 0;
			}
			left += p->pid[i] > 0;
		}
		if (!left)
			break;
		if (t == 50)
			kill(-p->pgid, SIGKILL);
		nanosleep(&ts, NULL);
	}
	kill(-p->pgid, SIGKILL);
	pgs_pipeline_wait(p);
}

pid_t
pgs_spawn_reader(char **argv, FILE **out)
{
	int fds[2];
	pid_t pid;

	*out = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		pgs_err("cannot start %s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		default_signals();
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(fds[1], 1) < 0)
			_exit(126);
		execvp(argv[0], argv);
		dprintf(2, "%s: cannot run %s: %s\n", pgs_prog, argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	*out = fdopen(fds[0], "r");
	return pid;
}

int
pgs_stagelog_reset(struct pgs_stagelog *l, const char *path)
{
	pgs_stagelog_close(l);
	l->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	l->off = 0;
	if (l->fd < 0)
		pgs_err("cannot create '%s': %s", path, strerror(errno));
	return l->fd < 0 ? -1 : 0;
}

void
pgs_stagelog_take(struct pgs_stagelog *l, pgs_buf *b)
{
	char chunk[8192];
	ssize_t n;
	size_t start = b->len;

	while ((n = pread(l->fd, chunk, sizeof(chunk), l->off + (off_t)(b->len - start))) > 0)
		pgs_buf_add(b, chunk, (size_t)n);
	while (b->len > start && b->s[b->len - 1] != '\n')
		b->len--;
	l->off += (off_t)(b->len - start);
	if (b->s)
		b->s[b->len] = '\0';
}

void
pgs_stagelog_close(struct pgs_stagelog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

int
pgs_on_path(const char *cmd)
{
	const char *path = getenv("PATH");

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0;
	for (const char *p = path ? path : ""; ; ) {
		size_t n = strcspn(p, ":");
		char *f = pgs_xasprintf("%.*s/%s", (int)n, n ? p : ".", cmd);
		int ok = access(f, X_OK) == 0;

		free(f);
		if (ok)
			return 1;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

char *
pgs_program_version(const char *cmd)
{
	char *c = pgs_xasprintf("'%s' --version 2>/dev/null", cmd), line[256] = "", *sp;
	FILE *f = popen(c, "r");

	free(c);
	if (!f)
		return NULL;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	pclose(f);
	line[strcspn(line, "\n")] = '\0';
	sp = strrchr(line, ' ');
	return line[0] ? pgs_xstrdup(sp ? sp + 1 : line) : NULL;
}

char *
pgs_tmpdir_make(const char *name)
{
	const char *d = getenv("TMPDIR");
	char *t = pgs_xasprintf("%s/%s.XXXXXX", d && *d ? d : "/tmp", name);

	if (!mkdtemp(t)) {
		pgs_err("cannot create a temporary directory '%s': %s", t, strerror(errno));
		free(t);
		return NULL;
	}
	return t;
}

void
pgs_tmpdir_remove(char *dir)
{
	DIR *d;
	struct dirent *e;

	if (!dir)
		return;
	if ((d = opendir(dir))) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
				char *p = pgs_xasprintf("%s/%s", dir, e->d_name);

				unlink(p);
				free(p);
			}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}
