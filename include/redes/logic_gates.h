/* logic_gates.h — logic gates built from McCulloch–Pitts threshold units with
 * hand-set weights, and the proof that one unit cannot compute XOR.
 *
 * A threshold unit with inputs x in {0,1}^n:   y = step(w . x + b),  step(s) = [s >= 0]
 *
 *   gate   w           b       why
 *   AND    (1, 1)     -1.5     only 1 + 1 reaches 1.5
 *   OR     (1, 1)     -0.5     any single 1 reaches 0.5
 *   NAND   (-1, -1)    1.5     AND with every sign flipped
 *   NOR    (-1, -1)    0.5     OR with every sign flipped
 *   NOT    (-1)        0.5     0 -> 1, 1 -> 0
 *
 * XOR = AND(OR(x1, x2), NAND(x1, x2)): two layers, three units.
 *
 * Why no single unit computes XOR: it would need
 *     (0,0) -> 0:  b < 0         (0,1) -> 1:  w2 + b >= 0
 *     (1,0) -> 1:  w1 + b >= 0   (1,1) -> 0:  w1 + w2 + b < 0
 * and the middle two added give w1 + w2 + 2b >= 0, so w1 + w2 + b >= -b > 0,
 * against the last.  rn_separability_check() finds such a contradiction for
 * any labelled point set by Fourier–Motzkin elimination, and returns it as a
 * Farkas certificate: non-negative multipliers of the constraints
 * s_i (w . x_i + b) >= 1 (s_i = +1 for class 1, -1 for class 0) whose sum has
 * all coefficients 0 and right-hand side > 0, i.e. "0 >= positive".
 */
#ifndef REDES_LOGIC_GATES_H
#define REDES_LOGIC_GATES_H

#include <stdbool.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { RN_UNIT_MAX_INPUTS = 8 };

typedef struct rn_threshold_unit {
    int n_inputs;
    float weights[RN_UNIT_MAX_INPUTS];
    float bias;
} rn_threshold_unit;

/* step(w . x + b) for x in {0,1}^n_inputs. */
int rn_threshold_unit_fire(const rn_threshold_unit *unit, const int *x);

typedef enum rn_gate {
    RN_GATE_AND,
    RN_GATE_OR,
    RN_GATE_NAND,
    RN_GATE_NOR,
    RN_GATE_XOR, /* two layers */
    RN_GATE_NOT, /* one input */
    RN_GATE_COUNT
} rn_gate;

/* "and", "or", "nand", "nor", "xor", "not". */
const char *rn_gate_name(rn_gate gate);
rn_status rn_gate_from_name(const char *name, rn_gate *out);
/* Inputs of the gate: 1 for NOT, else 2. */
int rn_gate_inputs(rn_gate gate);
/* The Boolean function itself (reference for tests and truth tables). */
int rn_gate_truth(rn_gate gate, const int *x);
/* The hand-set single unit for AND, OR, NAND, NOR, NOT; RN_ERR_ARGUMENT for
 * XOR (no such unit exists). */
rn_status rn_gate_unit(rn_gate gate, rn_threshold_unit *out);

/* The two-layer XOR network: hidden units h1 = OR, h2 = NAND, output = AND(h1, h2). */
typedef struct rn_xor_network {
    rn_threshold_unit hidden[2];
    rn_threshold_unit output;
} rn_xor_network;

rn_xor_network rn_xor_network_default(void);
/* Output for x in {0,1}^2; hidden (2) receives the hidden units' outputs if not NULL. */
int rn_xor_network_fire(const rn_xor_network *network, const int *x, int *hidden);

/* The gate's output with its neurons (the two-layer network for XOR). */
int rn_gate_fire(rn_gate gate, const int *x);

/* ------------------------------------------------------------ linear separability */

enum { RN_SEPARABILITY_MAX_POINTS = 64 };

typedef struct rn_separability {
    bool separable;
    /* When separable: a separating unit (w, b) with s_i (w . x_i + b) >= 1. */
    float weights[RN_UNIT_MAX_INPUTS];
    float bias;
    /* When not: multipliers lambda_i >= 0, one per point, such that
     * sum_i lambda_i s_i (x_i, 1) = 0 while sum_i lambda_i > 0. */
    double certificate[RN_SEPARABILITY_MAX_POINTS];
} rn_separability;

/* Decides exactly whether n points x (n, d) row-major with classes in {0, 1}
 * can be split by one threshold unit (d <= RN_UNIT_MAX_INPUTS, n <=
 * RN_SEPARABILITY_MAX_POINTS; elimination grows quickly, so this is meant
 * for truth tables: up to 4 inputs).  RN_ERR_UNSUPPORTED if the elimination
 * would exceed its working memory. */
rn_status rn_separability_check(const float *x, const int *classes, int n, int d, rn_separability *out);

#ifdef __cplusplus
}
#endif
#endif
