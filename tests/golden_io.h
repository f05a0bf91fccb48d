/* golden_io.h — read the PyTorch fixtures tests/golden/FAMILY_NAME.txt and
 * compare our tensors with them.  Shared by the golden tests (autograd ops,
 * CNN layers); header-only so that a test includes it and nothing else does.
 *
 * File format (written by tests/golden/golden_io.py, write_tensors):
 *   # one comment line
 *   NAME NDIM D0 .. D(NDIM-1) V0 V1 ...   one tensor after the other, row-major
 *
 * Acceptance everywhere: max |ours - torch| <= 1e-5 * max |torch|.
 * Include after <cmocka.h> and "redes/redes.h". */
#ifndef REDES_TEST_GOLDEN_IO_H
#define REDES_TEST_GOLDEN_IO_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { GOLDEN_MAX_TENSORS = 96 };

typedef struct golden {
    int count;
    char names[GOLDEN_MAX_TENSORS][32];
    rn_tensor tensors[GOLDEN_MAX_TENSORS];
} golden;

/* tests/golden/FAMILY_NAME.txt, e.g. golden_load("conv", "cnn"). */
static inline golden *golden_load(const char *family, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/golden/%s_%s.txt", REDES_SOURCE_DIR, family, name);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s (run make golden)", path);
    golden *g = calloc(1, sizeof *g);
    char line[256];
    if (!fgets(line, sizeof line, f)) fail_msg("%s: empty", path); /* the comment line */
    int ndim;
    while (g->count < GOLDEN_MAX_TENSORS && fscanf(f, "%31s %d", g->names[g->count], &ndim) == 2) {
        int shape[RN_MAX_DIMS];
        assert_true(ndim >= 1 && ndim <= RN_MAX_DIMS);
        for (int d = 0; d < ndim; d++) assert_int_equal(fscanf(f, "%d", &shape[d]), 1);
        rn_tensor *t = &g->tensors[g->count];
        assert_int_equal(rn_tensor_alloc(t, ndim, shape), RN_OK);
        for (size_t i = 0; i < rn_tensor_numel(t); i++) assert_int_equal(fscanf(f, "%f", &t->data[i]), 1);
        g->count++;
    }
    fclose(f);
    return g;
}

static inline void golden_free(golden *g)
{
    for (int i = 0; i < g->count; i++) rn_tensor_free(&g->tensors[i]);
    free(g);
}

static inline rn_tensor *get(golden *g, const char *name)
{
    for (int i = 0; i < g->count; i++)
        if (strcmp(g->names[i], name) == 0) return &g->tensors[i];
    fail_msg("golden tensor '%s' missing", name);
    return NULL;
}

/* Integer labels/indices stored as exact floats. */
static inline int *get_ints(golden *g, const char *name)
{
    rn_tensor *t = get(g, name);
    size_t n = rn_tensor_numel(t);
    int *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (int)t->data[i];
    return v;
}

/* The acceptance test: max |ours - reference| <= 1e-5 max |reference|. */
static inline void expect_close(const char *what, const float *ours, const rn_tensor *reference)
{
    assert_non_null(ours);
    size_t n = rn_tensor_numel(reference);
    double largest = 0.0, worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        largest = fmax(largest, fabs(reference->data[i]));
        worst = fmax(worst, fabs((double)ours[i] - reference->data[i]));
    }
    double allowed = 1e-5 * largest;
    if (largest == 0.0) allowed = 0.0;
    if (!(worst <= allowed))
        fail_msg("%s: max |difference| %.3g > %.3g (1e-5 of max |value| %.3g)", what, worst, allowed, largest);
}

/* A variable leaf holding a copy of a golden tensor. */
static inline rn_var *variable(rn_tape *tape, golden *g, const char *name)
{
    rn_var *v = rn_tape_variable(tape, *get(g, name));
    assert_non_null(v);
    return v;
}

/* An input leaf (no gradient) holding a copy of a golden tensor. */
static inline rn_var *input(rn_tape *tape, golden *g, const char *name)
{
    return rn_tape_input(tape, *get(g, name));
}

/* A parameter whose gradient buffer is a fresh zeroed heap tensor. */
typedef struct param {
    rn_tensor value, grad;
    rn_var var;
} param;

static inline void param_init(param *p, golden *g, const char *name)
{
    rn_tensor *t = get(g, name);
    assert_int_equal(rn_tensor_alloc(&p->value, t->ndim, t->shape), RN_OK);
    assert_int_equal(rn_tensor_alloc(&p->grad, t->ndim, t->shape), RN_OK);
    rn_tensor_copy(&p->value, t);
    p->var = rn_param(p->value, p->grad);
}

static inline void param_free(param *p)
{
    rn_tensor_free(&p->value);
    rn_tensor_free(&p->grad);
}

/* Backward from y, seeded with the golden upstream gradient DY_NAME. */
static inline void backward_with(rn_tape *tape, rn_var *y, golden *g, const char *dy_name)
{
    assert_non_null(y);
    rn_tensor *dy = get(g, dy_name);
    assert_int_equal(rn_tensor_numel(dy), rn_tensor_numel(&y->value));
    assert_int_equal(rn_backward_seed(tape, y, dy->data), RN_OK);
}

#endif
