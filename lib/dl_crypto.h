/*
 * dl_crypto.h — OpenSSL's libcrypto, loaded on first use (see dl.h).  Include
 * it instead of the <openssl/...> headers: from here on SHA256_Init() and the
 * other functions listed below call through pgs_dl_crypto.  A libcrypto
 * function pgs starts to use is added to both lists, or the tool does not
 * link (no -lcrypto).
 *
 * Why: libcrypto binds its ~8,000 symbols when it is mapped, 0.9 ms of CPU at
 * the start of every process that links it, and most runs of pgs-extract,
 * pgs-resolve and pgs-checkpoint never hash or sign (measured: a program that
 * only links -lcrypto starts in 1.35 ms, one without it in 0.47 ms).
 *
 * SHA256_Init and friends are deprecated in OpenSSL 3.0, not removed; EVP's
 * digests would cost another 1.6 ms a process (the default provider's set-up,
 * see hash.c).  Their deprecation attribute is switched off here.
 */
#ifndef PGS_DL_CRYPTO_H
#define PGS_DL_CRYPTO_H

#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "dl.h"

#define PGS_DL_CRYPTO_FUNCS(X) \
	X(BIO_free) X(BIO_new_mem_buf) X(EVP_DigestSign) X(EVP_DigestSignInit) X(EVP_EncodeBlock) \
	X(EVP_MD_CTX_free) X(EVP_MD_CTX_new) X(EVP_PKEY_free) X(EVP_sha256) X(PEM_read_bio_PrivateKey) \
	X(RAND_bytes) X(SHA256_Final) X(SHA256_Init) X(SHA256_Update)

struct pgs_dl_crypto {
	PGS_DL_CRYPTO_FUNCS(PGS_DL_MEMBER)
};
extern struct pgs_dl_crypto pgs_dl_crypto;
extern struct pgs_dl_lib pgs_dl_libcrypto;   /* "libcrypto.so.3", for "SHA-256 and signing" */

#define PGS_DL_CRYPTO(f) PGS_DL_CALL(pgs_dl_libcrypto, pgs_dl_crypto, f)
#define BIO_free                PGS_DL_CRYPTO(BIO_free)
#define BIO_new_mem_buf         PGS_DL_CRYPTO(BIO_new_mem_buf)
#define EVP_DigestSign          PGS_DL_CRYPTO(EVP_DigestSign)
#define EVP_DigestSignInit      PGS_DL_CRYPTO(EVP_DigestSignInit)
#define EVP_EncodeBlock         PGS_DL_CRYPTO(EVP_EncodeBlock)
#define EVP_MD_CTX_free         PGS_DL_CRYPTO(EVP_MD_CTX_free)
#define EVP_MD_CTX_new          PGS_DL_CRYPTO(EVP_MD_CTX_new)
#define EVP_PKEY_free           PGS_DL_CRYPTO(EVP_PKEY_free)
#define EVP_sha256              PGS_DL_CRYPTO(EVP_sha256)
#define PEM_read_bio_PrivateKey PGS_DL_CRYPTO(PEM_read_bio_PrivateKey)
#define RAND_bytes              PGS_DL_CRYPTO(RAND_bytes)
#define SHA256_Final            PGS_DL_CRYPTO(SHA256_Final)
#define SHA256_Init             PGS_DL_CRYPTO(SHA256_Init)
#define SHA256_Update           PGS_DL_CRYPTO(SHA256_Update)

#endif
