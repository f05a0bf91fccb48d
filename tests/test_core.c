/* test_core.c — status messages, arena, RNG and tensor views. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "redes/redes.h"

static void status_message_and_context(void **state)
{
    (void)state;
    rn_error_clear();
    assert_string_equal(rn_error_message(), "");
    assert_int_equal(rn_error(RN_ERR_FORMAT, "expected magic %d, found %d", 2051, 1234), RN_ERR_FORMAT);
    assert_string_equal(rn_error_message(), "expected magic 2051, found 1234");
    assert_int_equal(rn_error_context(RN_ERR_FORMAT, "mnist/%s", "train-images"), RN_ERR_FORMAT);
    assert_string_equal(rn_error_message(), "mnist/train-images: expected magic 2051, found 1234");
    assert_string_equal(rn_status_string(RN_ERR_SHAPE), "shape mismatch");
}

static void arena_alignment_growth_and_merge(void **state)
{
    (void)state;
    rn_arena *arena = rn_arena_create(256);
    assert_non_null(arena);
    void *a = rn_arena_alloc(arena, 3);
    void *b = rn_arena_alloc(arena, 100);
    assert_int_equal((uintptr_t)a % 64, 0);
    assert_int_equal((uintptr_t)b % 64, 0);
    assert_true((char *)b - (char *)a == 64);
    /* Spill into a second block (twice the first, or the request if larger). */
    void *c = rn_arena_alloc(arena, 1000);
    assert_non_null(c);
    memset(c, 1, 1000);
    assert_int_equal(rn_arena_block_allocations(arena), 2);
    assert_int_equal(rn_arena_bytes_used(arena), 64 + 128 + 1024);
    /* Reset merges the blocks: the same pattern then fits without malloc. */
    rn_arena_reset(arena);
    size_t blocks = rn_arena_block_allocations(arena);
    for (int step = 0; step < 5; step++) {
        assert_non_null(rn_arena_alloc(arena, 3));
        assert_non_null(rn_arena_alloc(arena, 100));
        assert_non_null(rn_arena_alloc(arena, 1000));
        rn_arena_reset(arena);
    }
    assert_int_equal(rn_arena_block_allocations(arena), blocks);
    assert_true(rn_arena_peak_bytes(arena) >= 64 + 128 + 1024);
    /* Rewind frees everything after a mark. */
    rn_arena_mark mark = rn_arena_get_mark(arena);
    float *x = rn_arena_floats(arena, 10);
    rn_arena_rewind(arena, mark);
    float *y = rn_arena_floats(arena, 10);
    assert_ptr_equal(x, y);
    assert_int_equal(rn_arena_bytes_used(arena), 64);
    /* Trim empties the arena like reset and keeps its blocks: the next cycle
     * gets the same memory back without a new block. */
    rn_arena_reset(arena);
    float *big = rn_arena_floats(arena, 200);
    for (int i = 0; i < 200; i++) big[i] = (float)i;
    blocks = rn_arena_block_allocations(arena);
    rn_arena_trim(arena);
    assert_int_equal(rn_arena_bytes_used(arena), 0);
    float *again = rn_arena_floats(arena, 200);
    assert_ptr_equal(again, big);
    for (int i = 0; i < 200; i++) again[i] = 1.0f;
    assert_int_equal(rn_arena_block_allocations(arena), blocks);
    rn_arena_destroy(arena);
}

static void rng_known_sequence_and_distributions(void **state)
{
    (void)state;
    rn_rng rng, again;
    rn_rng_seed(&rng, 42);
    rn_rng_seed(&again, 42);
    for (int i = 0; i < 100; i++) assert_true(rn_rng_next(&rng) == rn_rng_next(&again));
    /* xoshiro256** with splitmix64 seeding from 0: first output fixed by the
     * algorithm (computed independently with the reference implementation). */
    rn_rng_seed(&rng, 0);
    uint64_t first = rn_rng_next(&rng);
    assert_true(first == 0x99ec5f36cb75f2b4ULL);

    rn_rng_seed(&rng, 7);
    double sum = 0, sum_sq = 0;
    enum { N = 200000 };
    for (int i = 0; i < N; i++) {
        double z = rn_rng_normal(&rng);
        sum += z;
        sum_sq += z * z;
    }
    double mean = sum / N, variance = sum_sq / N - mean * mean;
    assert_true(fabs(mean) < 0.01);
    assert_true(fabs(variance - 1.0) < 0.02);

    int counts[7] = {0};
    for (int i = 0; i < 70000; i++) counts[rn_rng_below(&rng, 7)]++;
    for (int k = 0; k < 7; k++) assert_true(abs(counts[k] - 10000) < 400);

    int perm[50], seen[50] = {0};
    rn_rng_permutation(&rng, perm, 50);
    for (int i = 0; i < 50; i++) seen[perm[i]]++;
    for (int i = 0; i < 50; i++) assert_int_equal(seen[i], 1);
    double u = rn_rng_uniform(&rng);
    assert_true(u >= 0 && u < 1);
}

/* Bernoulli masks: exactly what rn_rng_bernoulli gives element by element
 * (so dropout masks are those of the per-element loop), frequencies that
 * match p, and p = 0 / p = 1 constant. */
static void rng_bernoulli_masks(void **state)
{
    (void)state;
    enum { N = 100001 };
    static uint8_t mask[N];
    const double ps[] = {0.5, 0.25, 0.1, 0.999, 1.0 / 3.0};
    for (int k = 0; k < 5; k++) {
        rn_rng rng, reference;
        rn_rng_seed(&rng, 11);
        rn_rng_seed(&reference, 11);
        rn_rng_fill_bernoulli(&rng, mask, N, ps[k]);
        long ones = 0;
        for (int i = 0; i < N; i++) {
            assert_int_equal(mask[i], rn_rng_bernoulli(&reference, ps[k]));
            ones += mask[i];
        }
        assert_true(rn_rng_next(&rng) == rn_rng_next(&reference)); /* one draw per element */
        double sd = sqrt(ps[k] * (1 - ps[k]) / N);
        assert_true(fabs(ones / (double)N - ps[k]) < 5 * sd);
    }
    rn_rng rng;
    rn_rng_seed(&rng, 3);
    rn_rng_fill_bernoulli(&rng, mask, 10, 0.0);
    for (int i = 0; i < 10; i++) assert_int_equal(mask[i], 0);
    rn_rng_fill_bernoulli(&rng, mask, 10, 1.0);
    for (int i = 0; i < 10; i++) assert_int_equal(mask[i], 1);
}

static void tensor_views_reshape_transpose_copy(void **state)
{
    (void)state;
    rn_tensor t;
    assert_int_equal(rn_tensor_alloc(&t, 2, (int[]){2, 3}), RN_OK);
    for (int i = 0; i < 6; i++) t.data[i] = (float)i;
    rn_tensor tt;
    assert_int_equal(rn_tensor_transpose(&t, 0, 1, &tt), RN_OK);
    assert_false(rn_tensor_is_contiguous(&tt));
    assert_true(*rn_tensor_at2(&tt, 2, 1) == 5.0f);
    rn_tensor dense;
    assert_int_equal(rn_tensor_alloc(&dense, 2, (int[]){3, 2}), RN_OK);
    assert_int_equal(rn_tensor_copy(&dense, &tt), RN_OK);
    const float expected[6] = {0, 3, 1, 4, 2, 5};
    for (int i = 0; i < 6; i++) assert_true(dense.data[i] == expected[i]);
    rn_tensor r;
    assert_int_equal(rn_tensor_reshape(&t, 1, (int[]){-1}, &r), RN_OK);
    assert_int_equal(r.shape[0], 6);
    assert_int_equal(rn_tensor_reshape(&t, 2, (int[]){4, 2}, &r), RN_ERR_SHAPE);
    assert_non_null(strstr(rn_error_message(), "(2, 3) has 6 elements"));
    assert_int_equal(rn_tensor_reshape(&tt, 1, (int[]){6}, &r), RN_ERR_SHAPE);
    rn_tensor s;
    assert_int_equal(rn_tensor_slice(&t, 1, 1, 2, &s), RN_OK);
    assert_true(*rn_tensor_at2(&s, 1, 1) == 5.0f);
    assert_int_equal(rn_tensor_slice(&t, 1, 2, 2, &s), RN_ERR_SHAPE);
    assert_int_equal(rn_tensor_copy(&dense, &t), RN_ERR_SHAPE);
    assert_int_equal(rn_tensor_alloc(&r, 5, (int[]){1, 1, 1, 1, 1}), RN_ERR_SHAPE);
    rn_tensor_free(&t);
    rn_tensor_free(&dense);
    assert_null(t.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_message_and_context),
        cmocka_unit_test(arena_alignment_growth_and_merge),
        cmocka_unit_test(rng_known_sequence_and_distributions),
        cmocka_unit_test(rng_bernoulli_masks),
        cmocka_unit_test(tensor_views_reshape_transpose_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
