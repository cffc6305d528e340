/*
 * random.h - the seeded random generator every program draws from.
 *
 * The generator is xoshiro256** (Blackman and Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 2021), seeded by running
 * splitmix64 over the 64-bit seed, as its authors recommend.  It is
 * deterministic: the same seed gives the same sequence on every machine
 * and at every thread count, since only one thread ever draws.
 */
#ifndef RANDOM_H
#define RANDOM_H

#include <stdint.h>

struct random_state {
	uint64_t s[4];
};

/* Seed the generator; every seed, 0 included, is valid. */
void random_seed(struct random_state *state, uint64_t seed);

/* The next 64 random bits. */
uint64_t random_next(struct random_state *state);

/* A double uniform on [0, 1), a multiple of 2^-53. */
double random_uniform(struct random_state *state);

/*
 * A whole number uniform on [0, bound), bound > 0, without modulo bias
 * (Lemire, "Fast random integer generation in an interval", 2019).
 */
uint64_t random_below(struct random_state *state, uint64_t bound);

/* A standard normal deviate (Marsaglia's polar method). */
double random_normal(struct random_state *state);

#endif
