/*
 * rng.h - splitmix64: the project's one small PRNG, seeded explicitly.
 * Inline, so that a program drawing numbers (tt-batch, ml-prep) links no
 * BLAS for it.
 */
#ifndef RNG_H
#define RNG_H

#include <stdint.h>

static inline uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline double rng_uniform(uint64_t *state) /* [0,1) */
{
	return (rng_next(state) >> 11) * 0x1.0p-53;
}

#endif
