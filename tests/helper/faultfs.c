/*
 * faultfs.so — a test-only LD_PRELOAD shim that makes storage fail the way
 * a full or broken disk does, for a non-root test as much as a root one.
 *
 *   PGS_FAULTFS_PATH=S          only regular files whose path contains S are
 *                               touched (required: without it nothing fails)
 *   PGS_FAULTFS_ENOSPC_AFTER=N  after N bytes written to such files (by this
 *                               process), a write writes what still fits and
 *                               the next one fails with ENOSPC, as a full
 *                               file system does
 *   PGS_FAULTFS_FSYNC_EIO=1     fsync and fdatasync of such files fail with EIO
 *
 * The first fault of each kind is announced on stderr ("faultfs: ...").
 * Covers the calls a program makes itself (through the dynamic linker):
 * write, pwrite, pwrite64, writev, pwritev, fsync, fdatasync, fallocate and
 * posix_fallocate, which is how SQLite and pgs-checkpoint write.  libc's own
 * stdio writes call write inside libc and are not seen.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*pwrite64_fn)(int, const void *, size_t, off64_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef ssize_t (*pwritev_fn)(int, const struct iovec *, int, off_t);
typedef int (*fsync_fn)(int);
typedef int (*fallocate_fn)(int, int, off_t, off_t);
typedef int (*posix_fallocate_fn)(int, off_t, off_t);

static long long budget = -1;   /* bytes left; -1: no limit */
static int fsync_eio, inited, told_full, told_fsync;
static const char *match;

static void
init(void)
{
	const char *e;

	if (inited)
		return;
	inited = 1;
	match = getenv("PGS_FAULTFS_PATH");
	if (!match || !*match) {
		match = NULL;
		return;
	}
	if ((e = getenv("PGS_FAULTFS_ENOSPC_AFTER")) && *e)
		budget = atoll(e);
	fsync_eio = (e = getenv("PGS_FAULTFS_FSYNC_EIO")) && *e == '1';
}

static void
say(const char *msg, const char *path)
{
	char line[PATH_MAX + 128];
	int n = snprintf(line, sizeof(line), "faultfs: %s '%s'\n", msg, path);
	write_fn next = (write_fn)dlsym(RTLD_NEXT, "write");

	if (n > 0 && next)
		(void)!next(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Is fd a regular file whose path contains $PGS_FAULTFS_PATH?  Its path in path. */
static int
ours(int fd, char *path, size_t cap)
{
	char link[64];
	struct stat st;
	ssize_t n;

	init();
	if (!match || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, cap - 1)) < 0)
		return 0;
	path[n] = '\0';
	return strstr(path, match) != NULL;
}

/* How much of len may be written to fd: len, less, or -1 (errno ENOSPC). */
static ssize_t
allow(int fd, size_t len)
{
	char path[PATH_MAX];

	if (!ours(fd, path, sizeof(path)) || budget < 0)
		return (ssize_t)len;
	if (budget == 0 && len > 0) {
		if (!told_full++)
			say("no space left (PGS_FAULTFS_ENOSPC_AFTER) writing", path);
		errno = ENOSPC;
		return -1;
	}
	if ((long long)len > budget)
		len = (size_t)budget;
	budget -= (long long)len;
	return (ssize_t)len;
}

/* The next definition of name (libc's, or a sanitizer's interceptor). */
#define REAL(name, type) \
	static type real_##name; \
	if (!real_##name) \
		real_##name = (type)dlsym(RTLD_NEXT, #name)

ssize_t
write(int fd, const void *buf, size_t len)
{
	REAL(write, write_fn);
	ssize_t n = allow(fd, len);

	return n < 0 ? -1 : real_write(fd, buf, (size_t)n);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	REAL(pwrite, pwrite_fn);
	ssize_t n = allow(fd, len);

	return n < 0 ? -1 : real_pwrite(fd, buf, (size_t)n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	REAL(pwrite64, pwrite64_fn);
	ssize_t n = allow(fd, len);

	return n < 0 ? -1 : real_pwrite64(fd, buf, (size_t)n, off);
}

/* The vector forms: a short budget writes the first iovecs that fit. */
static int
cut(const struct iovec *iov, int cnt, struct iovec *out, int fd)
{
	size_t total = 0;
	ssize_t n;
	int i, k = 0;

	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	if ((n = allow(fd, total)) < 0)
		return -1;
	for (i = 0; i < cnt && n > 0 && k < 64; i++) {
		out[k] = iov[i];
		if ((size_t)n < out[k].iov_len)
			out[k].iov_len = (size_t)n;
		n -= (ssize_t)out[k].iov_len;
		k++;
	}
	return k;
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	REAL(writev, writev_fn);
	struct iovec v[64];
	int k;

	if (cnt > 64)
		return real_writev(fd, iov, cnt);
	if ((k = cut(iov, cnt, v, fd)) < 0)
		return -1;
	return real_writev(fd, v, k);
}

ssize_t
pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	REAL(pwritev, pwritev_fn);
	struct iovec v[64];
	int k;

	if (cnt > 64)
		return real_pwritev(fd, iov, cnt, off);
	if ((k = cut(iov, cnt, v, fd)) < 0)
		return -1;
	return real_pwritev(fd, v, k, off);
}

static int
sync_fault(int fd)
{
	char path[PATH_MAX];

	if (!ours(fd, path, sizeof(path)) || !fsync_eio)
		return 0;
	if (!told_fsync++)
		say("I/O error (PGS_FAULTFS_FSYNC_EIO) syncing", path);
	errno = EIO;
	return -1;
}

int
fsync(int fd)
{
	REAL(fsync, fsync_fn);

	return sync_fault(fd) < 0 ? -1 : real_fsync(fd);
}

int
fdatasync(int fd)
{
	REAL(fdatasync, fsync_fn);

	return sync_fault(fd) < 0 ? -1 : real_fdatasync(fd);
}

/* Reserving space is writing, for a full disk. */
int
fallocate(int fd, int mode, off_t off, off_t len)
{
	REAL(fallocate, fallocate_fn);
	char path[PATH_MAX];

	if (ours(fd, path, sizeof(path)) && budget >= 0 && len > budget) {
		errno = ENOSPC;
		return -1;
	}
	return real_fallocate(fd, mode, off, len);
}

int
posix_fallocate(int fd, off_t off, off_t len)
{
	REAL(posix_fallocate, posix_fallocate_fn);
	char path[PATH_MAX];

	if (ours(fd, path, sizeof(path)) && budget >= 0 && len > budget)
		return ENOSPC;
	return real_posix_fallocate(fd, off, len);
}
