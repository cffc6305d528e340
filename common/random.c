/*
 * random.c - xoshiro256** seeded by splitmix64 (see random.h).
 */
#include <math.h>

#include "random.h"

static uint64_t
rotate_left(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* splitmix64: one step of the seeding sequence. */
static uint64_t
splitmix64_next(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void
random_seed(struct random_state *state, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		state->s[i] = splitmix64_next(&seed);
}

uint64_t
random_next(struct random_state *state)
{
	uint64_t *s = state->s;
	uint64_t result = rotate_left(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotate_left(s[3], 45);
	return result;
}

double
random_uniform(struct random_state *state)
{
	return (double)(random_next(state) >> 11) * 0x1.0p-53;
}

uint64_t
random_below(struct random_state *state, uint64_t bound)
{
	unsigned __int128 product = (unsigned __int128)random_next(state) *
	    bound;
	uint64_t low = (uint64_t)product;

	if (low < bound) {
		uint64_t threshold = -bound % bound;

		while (low < threshold) {
			product = (unsigned __int128)random_next(state) *
			    bound;
			low = (uint64_t)product;
		}
	}
	return (uint64_t)(product >> 64);
}

double
random_normal(struct random_state *state)
{
	double u, v, s;

	do {
		u = 2 * random_uniform(state) - 1;
		v = 2 * random_uniform(state) - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	return u * sqrt(-2 * log(s) / s);
}
