/* hash.c — SHA-256 through libcrypto's EVP interface (see hash.h). */
#include <stdlib.h>

#include <openssl/evp.h>

#include "hash.h"

struct pgs_sha256 {
	EVP_MD_CTX *ctx;
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

/* SHA-256 fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up (under a lock) on
 * every digest, which cost pgs-write a tenth of its time at two digests a row. */
static const EVP_MD *
sha256_md(void)
{
	static EVP_MD *md;

	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md ? md : EVP_sha256();
}

void
pgs_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data, len, md, &n, sha256_md(), NULL) != 1 || n != 32) {
		out[0] = '\0';
		return;
	}
	to_hex(md, n, out);
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

pgs_sha256 *
pgs_sha256_new(void)
{
	pgs_sha256 *h;

	if ((h = malloc(sizeof(*h))) == NULL)
		return NULL;
	h->failed = 0;
	if ((h->ctx = EVP_MD_CTX_new()) == NULL) {
		free(h);
		return NULL;
	}
	if (EVP_DigestInit_ex(h->ctx, sha256_md(), NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		free(h);
		return NULL;
	}
	return h;
}

void
pgs_sha256_update(pgs_sha256 *h, const void *data, size_t len)
{
	if (h == NULL || h->failed || len == 0)
		return;
	if (EVP_DigestUpdate(h->ctx, data, len) != 1)
		h->failed = 1;
}

void
pgs_sha256_final_hex(pgs_sha256 *h, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	out[0] = '\0';
	if (h == NULL)
		return;
	if (!h->failed && EVP_DigestFinal_ex(h->ctx, md, &n) == 1 && n == 32)
		to_hex(md, n, out);
	EVP_MD_CTX_free(h->ctx);
	free(h);
}
