/* logic_gates.c — gates from hand-set threshold units, and an exact linear
 * separability test by Fourier–Motzkin elimination (see logic_gates.h). */
#include "redes/logic_gates.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int rn_threshold_unit_fire(const rn_threshold_unit *unit, const int *x)
{
    double net = unit->bias;
    for (int i = 0; i < unit->n_inputs; i++) net += (double)unit->weights[i] * x[i];
    return net >= 0.0;
}

static const char *const gate_names[RN_GATE_COUNT] = {"and", "or", "nand", "nor", "xor", "not"};

const char *rn_gate_name(rn_gate gate) { return gate >= 0 && gate < RN_GATE_COUNT ? gate_names[gate] : "?"; }

rn_status rn_gate_from_name(const char *name, rn_gate *out)
{
    for (int g = 0; g < RN_GATE_COUNT; g++)
        if (strcmp(name, gate_names[g]) == 0) {
            *out = (rn_gate)g;
            return RN_OK;
        }
    return rn_error(RN_ERR_ARGUMENT, "unknown gate '%s' (and, or, nand, nor, xor, not)", name);
}

int rn_gate_inputs(rn_gate gate) { return gate == RN_GATE_NOT ? 1 : 2; }

int rn_gate_truth(rn_gate gate, const int *x)
{
    switch (gate) {
    case RN_GATE_AND: return x[0] && x[1];
    case RN_GATE_OR: return x[0] || x[1];
    case RN_GATE_NAND: return !(x[0] && x[1]);
    case RN_GATE_NOR: return !(x[0] || x[1]);
    case RN_GATE_XOR: return x[0] != x[1];
    case RN_GATE_NOT: return !x[0];
    default: return 0;
    }
}

/* The weights of the header's table: the threshold sits halfway between the
 * largest net input that must give 0 and the smallest that must give 1. */
rn_status rn_gate_unit(rn_gate gate, rn_threshold_unit *out)
{
    memset(out, 0, sizeof *out);
    out->n_inputs = 2;
    switch (gate) {
    case RN_GATE_AND: out->weights[0] = 1, out->weights[1] = 1, out->bias = -1.5f; return RN_OK;
    case RN_GATE_OR: out->weights[0] = 1, out->weights[1] = 1, out->bias = -0.5f; return RN_OK;
    case RN_GATE_NAND: out->weights[0] = -1, out->weights[1] = -1, out->bias = 1.5f; return RN_OK;
    case RN_GATE_NOR: out->weights[0] = -1, out->weights[1] = -1, out->bias = 0.5f; return RN_OK;
    case RN_GATE_NOT: out->n_inputs = 1, out->weights[0] = -1, out->bias = 0.5f; return RN_OK;
    case RN_GATE_XOR:
        return rn_error(RN_ERR_ARGUMENT, "xor: no single threshold unit computes XOR (it is not linearly "
                                         "separable); use the two-layer rn_xor_network");
    default: return rn_error(RN_ERR_ARGUMENT, "unknown gate %d", (int)gate);
    }
}

rn_xor_network rn_xor_network_default(void)
{
    rn_xor_network network;
    rn_gate_unit(RN_GATE_OR, &network.hidden[0]);
    rn_gate_unit(RN_GATE_NAND, &network.hidden[1]);
    rn_gate_unit(RN_GATE_AND, &network.output);
    return network;
}

int rn_xor_network_fire(const rn_xor_network *network, const int *x, int *hidden)
{
    int h[2] = {rn_threshold_unit_fire(&network->hidden[0], x), rn_threshold_unit_fire(&network->hidden[1], x)};
    if (hidden) hidden[0] = h[0], hidden[1] = h[1];
    return rn_threshold_unit_fire(&network->output, h);
}

int rn_gate_fire(rn_gate gate, const int *x)
{
    if (gate == RN_GATE_XOR) {
        rn_xor_network network = rn_xor_network_default();
        return rn_xor_network_fire(&network, x, NULL);
    }
    rn_threshold_unit unit;
    if (rn_gate_unit(gate, &unit) != RN_OK) return 0;
    return rn_threshold_unit_fire(&unit, x);
}

/* ------------------------------------------------------------ Fourier–Motzkin */

/* A constraint  a . v >= c  over v = (w_1..w_d, b), with the multipliers of
 * the original constraints that produced it (so a = sum_i lambda_i a_i and
 * c = sum_i lambda_i c_i: a Farkas certificate when a = 0 and c > 0). */
typedef struct constraint {
    double a[RN_UNIT_MAX_INPUTS + 1];
    double c;
    double lambda[RN_SEPARABILITY_MAX_POINTS];
} constraint;

typedef struct constraint_set {
    constraint *items;
    int count;
} constraint_set;

enum { MAX_CONSTRAINTS_PER_LEVEL = 1 << 12 };

/* Scales a derived constraint so its largest |coefficient| is 1: keeps the
 * numbers small and makes duplicates identical. */
static void normalise(constraint *k, int m, int n)
{
    double largest = 0;
    for (int j = 0; j < m; j++) largest = fmax(largest, fabs(k->a[j]));
    if (largest == 0) largest = fabs(k->c) > 0 ? fabs(k->c) : 1;
    for (int j = 0; j < m; j++) k->a[j] /= largest;
    k->c /= largest;
    for (int i = 0; i < n; i++) k->lambda[i] /= largest;
}

static bool same_constraint(const constraint *x, const constraint *y, int m)
{
    for (int j = 0; j < m; j++)
        if (fabs(x->a[j] - y->a[j]) > 1e-12) return false;
    return fabs(x->c - y->c) <= 1e-12;
}

/* Adds k unless an identical constraint is there or it is trivially true
 * (all a = 0, c <= 0).  Returns false when the set is full. */
static bool add_constraint(constraint_set *set, const constraint *k, int m)
{
    bool all_zero = true;
    for (int j = 0; j < m; j++) all_zero = all_zero && fabs(k->a[j]) <= 1e-12;
    if (all_zero && k->c <= 1e-12) return true;
    for (int i = 0; i < set->count; i++)
        if (same_constraint(&set->items[i], k, m)) return true;
    if (set->count == MAX_CONSTRAINTS_PER_LEVEL) return false;
    set->items[set->count++] = *k;
    return true;
}

/* Eliminates variable `j` from `from` into `to`: constraints without v_j are
 * kept; each pair with opposite signs of a_j is combined positively so v_j
 * cancels: (-a_qj) p + a_pj q. */
static bool eliminate(const constraint_set *from, int j, int m, int n, constraint_set *to)
{
    to->count = 0;
    for (int p = 0; p < from->count; p++) {
        const constraint *kp = &from->items[p];
        if (fabs(kp->a[j]) <= 1e-12) {
            constraint copy = *kp;
            copy.a[j] = 0;
            if (!add_constraint(to, &copy, m)) return false;
            continue;
        }
        if (kp->a[j] < 0) continue;
        for (int q = 0; q < from->count; q++) {
            const constraint *kq = &from->items[q];
            if (kq->a[j] >= -1e-12) continue;
            double alpha = -kq->a[j], beta = kp->a[j];
            constraint k;
            for (int t = 0; t < m; t++) k.a[t] = alpha * kp->a[t] + beta * kq->a[t];
            k.a[j] = 0;
            k.c = alpha * kp->c + beta * kq->c;
            for (int i = 0; i < n; i++) k.lambda[i] = alpha * kp->lambda[i] + beta * kq->lambda[i];
            normalise(&k, m, n);
            if (!add_constraint(to, &k, m)) return false;
        }
    }
    return true;
}

/* Chooses v_j satisfying every constraint of `set` given v_{j+1..m-1}
 * (variables before j are already eliminated from this set). */
static double choose_value(const constraint_set *set, int j, int m, const double *v)
{
    double low = -INFINITY, high = INFINITY;
    for (int i = 0; i < set->count; i++) {
        const constraint *k = &set->items[i];
        double rest = k->c;
        for (int t = j + 1; t < m; t++) rest -= k->a[t] * v[t];
        if (k->a[j] > 1e-12) low = fmax(low, rest / k->a[j]);
        else if (k->a[j] < -1e-12) high = fmin(high, rest / k->a[j]);
    }
    if (isfinite(low) && isfinite(high)) return 0.5 * (low + high);
    if (isfinite(low)) return low + 1;
    if (isfinite(high)) return high - 1;
    return 0;
}

rn_status rn_separability_check(const float *x, const int *classes, int n, int d, rn_separability *out)
{
    memset(out, 0, sizeof *out);
    if (d < 1 || d > RN_UNIT_MAX_INPUTS)
        return rn_error(RN_ERR_ARGUMENT, "separability: %d inputs (1..%d supported)", d, RN_UNIT_MAX_INPUTS);
    if (n < 1 || n > RN_SEPARABILITY_MAX_POINTS)
        return rn_error(RN_ERR_ARGUMENT, "separability: %d points (1..%d supported)", n, RN_SEPARABILITY_MAX_POINTS);
    for (int i = 0; i < n; i++) {
        if (classes[i] != 0 && classes[i] != 1)
            return rn_error(RN_ERR_ARGUMENT, "separability: class of point %d is %d (must be 0 or 1)", i, classes[i]);
        for (int j = 0; j < d; j++)
            if (!isfinite(x[i * d + j]))
                return rn_error(RN_ERR_NUMERIC, "separability: coordinate %d of point %d is not finite", j, i);
    }
    const int m = d + 1; /* variables w_1..w_d, b */
    constraint_set *levels = calloc((size_t)m + 1, sizeof *levels);
    if (!levels) return rn_error(RN_ERR_MEMORY, "separability: out of memory");
    rn_status status = RN_OK;
    for (int level = 0; level <= m && status == RN_OK; level++) {
        levels[level].items = malloc(sizeof(constraint) * MAX_CONSTRAINTS_PER_LEVEL);
        if (!levels[level].items) status = rn_error(RN_ERR_MEMORY, "separability: out of memory");
    }
    /* Level 0: s_i (w . x_i + b) >= 1, s_i = +1 for class 1 and -1 for class 0
     * (a margin of 1 loses nothing: any strict separator can be scaled to it). */
    for (int i = 0; i < n && status == RN_OK; i++) {
        constraint k;
        memset(&k, 0, sizeof k);
        double sign = classes[i] ? 1.0 : -1.0;
        for (int j = 0; j < d; j++) k.a[j] = sign * x[i * d + j];
        k.a[d] = sign;
        k.c = 1;
        k.lambda[i] = 1;
        levels[0].items[levels[0].count++] = k;
    }
    for (int j = 0; j < m && status == RN_OK; j++)
        if (!eliminate(&levels[j], j, m, n, &levels[j + 1]))
            status = rn_error(RN_ERR_UNSUPPORTED, "separability: elimination needs more than %d constraints "
                                                  "(too many inputs for an exact check)", MAX_CONSTRAINTS_PER_LEVEL);
    if (status == RN_OK) {
        /* Everything eliminated: each remaining constraint reads 0 >= c. */
        const constraint *contradiction = NULL;
        for (int i = 0; i < levels[m].count; i++)
            if (levels[m].items[i].c > 1e-9) contradiction = &levels[m].items[i];
        out->separable = contradiction == NULL;
        if (contradiction) {
            /* Scale so the smallest positive multiplier is 1 (XOR: all ones). */
            double smallest = INFINITY;
            for (int i = 0; i < n; i++)
                if (contradiction->lambda[i] > 1e-12) smallest = fmin(smallest, contradiction->lambda[i]);
            for (int i = 0; i < n; i++) out->certificate[i] = contradiction->lambda[i] / smallest;
        } else {
            /* Back-substitution: v_{m-1} from the last level that still has it, then down. */
            double v[RN_UNIT_MAX_INPUTS + 1] = {0};
            for (int j = m - 1; j >= 0; j--) v[j] = choose_value(&levels[j], j, m, v);
            for (int j = 0; j < d; j++) out->weights[j] = (float)v[j];
            out->bias = (float)v[d];
        }
    }
    for (int level = 0; level <= m; level++) free(levels[level].items);
    free(levels);
    return status;
}
