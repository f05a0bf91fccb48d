/* rng.c — xoshiro256** with splitmix64 seeding (see include/redes/rng.h). */
#include "redes/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotate_left(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rn_rng_seed(rn_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) rng->state[i] = splitmix64(&x);
    rng->has_spare_normal = false;
    rng->spare_normal = 0.0;
}

/* One xoshiro256** step on a state the caller may keep in registers. */
static inline uint64_t xoshiro_step(uint64_t *s)
{
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

uint64_t rn_rng_next(rn_rng *rng) { return xoshiro_step(rng->state); }

rn_rng rn_rng_split(rn_rng *rng)
{
    rn_rng child;
    rn_rng_seed(&child, rn_rng_next(rng));
    return child;
}

uint32_t rn_rng_below(rn_rng *rng, uint32_t n)
{
    /* Lemire's multiply-shift with rejection: unbiased and branch-light. */
    uint64_t product = (uint64_t)(uint32_t)(rn_rng_next(rng) >> 32) * n;
    uint32_t low = (uint32_t)product;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            product = (uint64_t)(uint32_t)(rn_rng_next(rng) >> 32) * n;
            low = (uint32_t)product;
        }
    }
    return (uint32_t)(product >> 32);
}

double rn_rng_uniform(rn_rng *rng)
{
    return (double)(rn_rng_next(rng) >> 11) * 0x1.0p-53;
}

float rn_rng_uniform_range(rn_rng *rng, float low, float high)
{
    return (float)(low + (high - low) * rn_rng_uniform(rng));
}

double rn_rng_normal(rn_rng *rng)
{
    if (rng->has_spare_normal) {
        rng->has_spare_normal = false;
        return rng->spare_normal;
    }
    double u, v, s;
    do {
        u = 2.0 * rn_rng_uniform(rng) - 1.0;
        v = 2.0 * rn_rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double factor = sqrt(-2.0 * log(s) / s);
    rng->spare_normal = v * factor;
    rng->has_spare_normal = true;
    return u * factor;
}

bool rn_rng_bernoulli(rn_rng *rng, double p) { return rn_rng_uniform(rng) < p; }

void rn_rng_fill_bernoulli(rn_rng *rng, uint8_t *out, size_t count, double p)
{
    /* rn_rng_bernoulli is u 2^-53 < p with u = next >> 11, an integer below
     * 2^53; scaling by 2^53 is exact, so u 2^-53 < p  <=>  u < ceil(p 2^53). */
    uint64_t threshold = 0;
    if (p >= 1.0) threshold = UINT64_C(1) << 53;
    else if (p > 0.0) threshold = (uint64_t)ceil(p * 0x1.0p53);
    uint64_t state[4] = {rng->state[0], rng->state[1], rng->state[2], rng->state[3]};
    for (size_t i = 0; i < count; i++) out[i] = (xoshiro_step(state) >> 11) < threshold;
    for (int k = 0; k < 4; k++) rng->state[k] = state[k];
}

void rn_rng_fill_uniform(rn_rng *rng, float *values, size_t count, float low, float high)
{
    for (size_t i = 0; i < count; i++) values[i] = rn_rng_uniform_range(rng, low, high);
}

void rn_rng_fill_normal(rn_rng *rng, float *values, size_t count, float mean, float stddev)
{
    for (size_t i = 0; i < count; i++) values[i] = (float)(mean + stddev * rn_rng_normal(rng));
}

void rn_rng_permutation(rn_rng *rng, int *out, int n)
{
    for (int i = 0; i < n; i++) out[i] = i;
    rn_rng_shuffle(rng, out, n);
}

void rn_rng_shuffle(rn_rng *rng, int *values, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rn_rng_below(rng, (uint32_t)i + 1);
        int t = values[i];
        values[i] = values[j];
        values[j] = t;
    }
}
