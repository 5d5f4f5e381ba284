/*
 * hash.h — SHA-256 via OpenSSL libcrypto (SHA256_*), as lowercase hex; and FNV-1a
 * for in-memory hash tables.
 *
 * Ownership: pgs_sha256_new returns a context the caller owns; pgs_sha256_final_hex frees it
 * (it must not be used afterwards). Passing NULL to update/final is allowed and does nothing
 * (final then writes ""), so a failed pgs_sha256_new need not be special-cased mid-stream.
 * If libcrypto itself fails, the hex output is "" (never in practice). Never print or exit.
 */
#ifndef PGS_HASH_H
#define PGS_HASH_H

#include <stddef.h>
#include <stdint.h>

void pgs_sha256_hex(const void *data, size_t len, char out[65]);   /* full lowercase hex */
void pgs_sha256_hex16(const void *data, size_t len, char out[17]); /* first 16 hex chars (data_hash) */

/* Incremental form for hashing several pieces: */
typedef struct pgs_sha256 pgs_sha256;
pgs_sha256 *pgs_sha256_new(void);                 /* NULL on allocation failure */
void pgs_sha256_update(pgs_sha256 *h, const void *data, size_t len);
void pgs_sha256_final_hex(pgs_sha256 *h, char out[65]); /* frees h */
/* The SHA-256 of a file's content, or "" when it cannot be read. */
void pgs_sha256_file(const char *path, char out[65]);

/*
 * 32-bit FNV-1a of the string s, continuing from h: start with
 * PGS_FNV1A_BASIS, or chain pgs_fnv1a(b, pgs_fnv1a(a, PGS_FNV1A_BASIS)) to
 * hash a compound key.  Inline: it runs for every row of a table lookup.
 */
#define PGS_FNV1A_BASIS 2166136261u
static inline uint32_t
pgs_fnv1a(const char *s, uint32_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

#endif
