/*
 * hash.c — SHA-256 through libcrypto's SHA256 functions (see hash.h).
 *
 * Not EVP: in OpenSSL 3 the first EVP digest loads the default provider and builds its name
 * tables, 1.6 ms of CPU in every process that hashes, more than a one-day batch's rows cost
 * pgs-transform; SHA256_Init and friends run the same assembly without it.  They are marked
 * deprecated in 3.0 (not removed): dl_crypto.h switches the attribute off.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dl_crypto.h"   /* libcrypto is loaded on first use */

#include "hash.h"

struct pgs_sha256 {
	SHA256_CTX ctx;
	int started;	/* ctx initialized: the first bytes came (libcrypto is loaded then) */
	int failed;	/* a libcrypto call failed: the digest is meaningless */
};

static void
to_hex(const unsigned char *md, unsigned int n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * n] = '\0';
}

void
pgs_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_CTX ctx;

	/* not SHA256(): in OpenSSL 3 it is EVP_Q_digest, an algorithm fetch per call */
	if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, data, len) != 1 || SHA256_Final(md, &ctx) != 1) {
		out[0] = '\0';
		return;
	}
	to_hex(md, sizeof(md), out);
}

void
pgs_sha256_hex16(const void *data, size_t len, char out[17])
{
	char full[65];
	int i;

	pgs_sha256_hex(data, len, full);
	for (i = 0; i < 16 && full[i] != '\0'; i++)
		out[i] = full[i];
	out[i] = '\0';
}

/* SHA-256 of no bytes: what an empty context gives without loading libcrypto (an empty
 * window's input digest in pgs-write; tests/unit checks it against the real computation) */
static const char empty_hex[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

pgs_sha256 *
pgs_sha256_new(void)
{
	pgs_sha256 *h;

	if ((h = malloc(sizeof(*h))) == NULL)
		return NULL;
	h->failed = 0;
	h->started = 0;
	return h;
}

void
pgs_sha256_update(pgs_sha256 *h, const void *data, size_t len)
{
	if (h == NULL || h->failed || len == 0)
		return;
	if (!h->started) {
		h->started = 1;
		if (SHA256_Init(&h->ctx) != 1) {
			h->failed = 1;
			return;
		}
	}
	if (SHA256_Update(&h->ctx, data, len) != 1)
		h->failed = 1;
}

void
pgs_sha256_final_hex(pgs_sha256 *h, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	out[0] = '\0';
	if (h == NULL)
		return;
	if (!h->started)
		memcpy(out, empty_hex, sizeof(empty_hex));
	else if (SHA256_Final(md, &h->ctx) == 1 && !h->failed)
		to_hex(md, sizeof(md), out);
	free(h);
}

void
pgs_sha256_file(const char *path, char out[65])
{
	pgs_sha256 *h;
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	out[0] = '\0';
	if (fd < 0 || !(h = pgs_sha256_new())) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		pgs_sha256_update(h, buf, (size_t)n);
	close(fd);
	pgs_sha256_final_hex(h, out);
	if (n < 0)
		out[0] = '\0';
}
