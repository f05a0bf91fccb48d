/* rng.h — the library's one random number generator.
 *
 * xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64.  Integer
 * arithmetic only, so a seed gives the same sequence on every machine and
 * compiler; normals use the Marsaglia polar method (one log and one sqrt
 * per pair, both IEEE-exact or correctly rounded in glibc).
 *
 * Every model that needs randomness owns an rn_rng seeded from the user's
 * --seed; nothing in the library calls rand() or reads the clock.
 */
#ifndef REDES_RNG_H
#define REDES_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rn_rng {
    uint64_t state[4];
    double spare_normal;
    bool has_spare_normal;
} rn_rng;

void rn_rng_seed(rn_rng *rng, uint64_t seed);
/* An independent stream derived from this one (for a sub-model, a thread). */
rn_rng rn_rng_split(rn_rng *rng);

uint64_t rn_rng_next(rn_rng *rng);
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint32_t rn_rng_below(rn_rng *rng, uint32_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double rn_rng_uniform(rn_rng *rng);
/* Uniform float in [low, high). */
float rn_rng_uniform_range(rn_rng *rng, float low, float high);
/* Standard normal N(0, 1). */
double rn_rng_normal(rn_rng *rng);
/* Bernoulli(p): true with probability p. */
bool rn_rng_bernoulli(rn_rng *rng, double p);

/* out[i] = 1 with probability p, else 0, for i in [0, count): exactly the
 * values of `count` calls of rn_rng_bernoulli (one draw each, u < p with 53
 * random bits), as an integer comparison in one tight loop (dropout masks). */
void rn_rng_fill_bernoulli(rn_rng *rng, uint8_t *out, size_t count, double p);
void rn_rng_fill_uniform(rn_rng *rng, float *values, size_t count, float low, float high);
void rn_rng_fill_normal(rn_rng *rng, float *values, size_t count, float mean, float stddev);
/* out[0..n) = a uniformly random permutation of 0..n-1 (Fisher–Yates). */
void rn_rng_permutation(rn_rng *rng, int *out, int n);
/* Shuffles values[0..n) in place (Fisher–Yates). */
void rn_rng_shuffle(rn_rng *rng, int *values, int n);

#ifdef __cplusplus
}
#endif
#endif
