/* rng.c — pgs-sample's random numbers: xoshiro256** streams named by (seed, season, purpose). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* ---- random numbers --------------------------------------------------------- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A stream named by (seed, a, b): distinct names give unrelated sequences. */
void
rng_init(struct rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t x = seed;

	x = splitmix64(&x) ^ a;
	x = splitmix64(&x) ^ b;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n). */
int
rng_below(struct rng *r, int n)
{
	return (int)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double
rng_normal(struct rng *r)
{
	double u = 1.0 - rng_unit(r), v = rng_unit(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * PI * v);
}

int
rng_poisson(struct rng *r, double lambda)
{
	double limit, p = 1.0;
	int k = 0;

	if (lambda <= 0.0)
		return 0;
	if (lambda > 40.0) {
		long v = lround(lambda + sqrt(lambda) * rng_normal(r));
		return v < 0 ? 0 : (int)v;
	}
	limit = exp(-lambda);
	do {
		k++;
		p *= rng_unit(r);
	} while (p > limit);
	return k - 1;
}

int
rng_binom(struct rng *r, int n, double p)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (rng_unit(r) < p)
			k++;
	return k;
}

/* Index drawn with the given (unnormalized) weights. */
int
rng_pick(struct rng *r, const double *w, int n)
{
	double sum = 0.0, u;

	for (int i = 0; i < n; i++)
		sum += w[i];
	u = rng_unit(r) * sum;
	for (int i = 0; i < n; i++) {
		if (u < w[i])
			return i;
		u -= w[i];
	}
	return n - 1;
}

void
rng_shuffle(struct rng *r, int *a, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = rng_below(r, i + 1), t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

double
clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}
