/* cmd_xor.c — `redes xor`: the 2-2-1 sigmoid network learns XOR (chapter 3).
 *
 *   redes xor [--lr 0.5] [--epochs 20000] [--tolerance 0.1] [--seed 1] [--out DIR] [--json]
 *
 * Runs the forward pass twice — the scalar equations by hand and the
 * vectorised H = σ(X W1ᵀ + b1), Y = σ(H W2ᵀ + b2) on the autodiff tape — and
 * reports both and their largest difference; checks the hand-written
 * backpropagation against the tape's gradient; trains by gradient descent
 * (restarting from new random weights after a local minimum) and draws:
 *   boundary.png  y(x1, x2) over the input plane with the four cases
 *   hidden.png    the four cases in the hidden plane (h1, h2) with the output
 *                 unit's line v1 h1 + v2 h2 + c = 0: XOR became linearly separable
 *   error.png     E per epoch */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "cli.h"
#include "commands.h"
#include "redes/redes.h"
#include "redes/xor_mlp.h"

enum { GRID = 200 };

typedef struct xor_comparison {
    float by_hand[RN_XOR_EXAMPLES], vectorised[RN_XOR_EXAMPLES];
    float hidden[RN_XOR_EXAMPLES * 2];
    double max_forward_difference;
    float gradient_by_hand[RN_XOR_PARAMS], gradient_autodiff[RN_XOR_PARAMS];
    double max_gradient_difference;
} xor_comparison;

/* Both forward passes and both gradients at the network's current weights. */
static rn_status compare(rn_xor_mlp *net, xor_comparison *out)
{
    for (int i = 0; i < RN_XOR_EXAMPLES; i++) {
        rn_xor_mlp_activations a = rn_xor_mlp_forward_by_hand(net, rn_xor_inputs[2 * i], rn_xor_inputs[2 * i + 1]);
        out->by_hand[i] = a.y;
        out->hidden[2 * i] = a.h1;
        out->hidden[2 * i + 1] = a.h2;
    }
    rn_xor_mlp_backward_by_hand(net, rn_xor_inputs, rn_xor_targets, RN_XOR_EXAMPLES, out->gradient_by_hand);

    rn_tape *tape = rn_tape_create(0);
    if (!tape) return rn_error(RN_ERR_MEMORY, "xor: out of memory");
    int x_shape[2] = {RN_XOR_EXAMPLES, 2}, t_shape[2] = {RN_XOR_EXAMPLES, 1};
    rn_var layers[4];
    memset(out->gradient_autodiff, 0, sizeof out->gradient_autodiff);
    rn_var *x = rn_tape_input(tape, rn_tensor_view((float *)rn_xor_inputs, 2, x_shape));
    rn_var *t = rn_tape_input(tape, rn_tensor_view((float *)rn_xor_targets, 2, t_shape));
    rn_var *y = rn_xor_mlp_forward_tape(net, out->gradient_autodiff, layers, tape, x);
    rn_var *error = rn_scale(tape, rn_sum(tape, rn_square(tape, rn_sub(tape, y, t))), 0.5f); /* E = ½ Σ (y − t)² */
    rn_status s = error ? rn_backward(tape, error) : rn_tape_status(tape);
    if (s == RN_OK) {
        out->max_forward_difference = 0;
        for (int i = 0; i < RN_XOR_EXAMPLES; i++) {
            out->vectorised[i] = y->value.data[i];
            out->max_forward_difference = fmax(out->max_forward_difference, fabsf(out->vectorised[i] - out->by_hand[i]));
        }
        out->max_gradient_difference = 0;
        for (int k = 0; k < RN_XOR_PARAMS; k++)
            out->max_gradient_difference =
                fmax(out->max_gradient_difference, fabsf(out->gradient_autodiff[k] - out->gradient_by_hand[k]));
    }
    rn_tape_destroy(tape);
    return s;
}

static const char *const case_names[2] = {"t = 0", "t = 1"};

/* A 640x600 picture: values (GRID x GRID over [lo, hi]^2) shaded, and the
 * four cases at (px, py) coloured by their target.  NULL when out of memory. */
static rn_plot *cases_on_region(const float *values, double lo, double hi, const double px[4], const double py[4],
                                const char *title, const char *x_label, const char *y_label)
{
    int classes[4];
    for (int i = 0; i < 4; i++) classes[i] = (int)rn_xor_targets[i];
    rn_plot *plot = rn_plot_create();
    if (!plot) return NULL;
    rn_plot_set_size(plot, 640, 600);
    rn_plot_set_title(plot, title);
    rn_plot_set_labels(plot, x_label, y_label);
    rn_plot_add_region(plot, values, GRID, GRID, lo, hi, lo, hi, 0);
    rn_plot_add_classes(plot, px, py, classes, 4, 2, case_names, RN_PLOT_POINTS);
    rn_plot_set_legend(plot, "below horizontal"); /* the cases sit in the corners */
    return plot;
}

static rn_status draw_boundary(const rn_xor_mlp *net, const char *dir)
{
    float *values = malloc((size_t)GRID * GRID * sizeof *values);
    if (!values) return rn_error(RN_ERR_MEMORY, "xor: out of memory");
    const double lo = -0.5, hi = 1.5;
    for (int j = 0; j < GRID; j++)
        for (int i = 0; i < GRID; i++) {
            float x1 = (float)(lo + (i + 0.5) * (hi - lo) / GRID), x2 = (float)(lo + (j + 0.5) * (hi - lo) / GRID);
            values[j * GRID + i] = rn_xor_mlp_forward_by_hand(net, x1, x2).y;
        }
    double px[4], py[4];
    for (int i = 0; i < 4; i++) px[i] = rn_xor_inputs[2 * i], py[i] = rn_xor_inputs[2 * i + 1];
    rn_plot *plot = cases_on_region(values, lo, hi, px, py, "XOR, 2-2-1 sigmoid network: output y(x1, x2)", "x1", "x2");
    free(values);
    if (!plot) return rn_error(RN_ERR_MEMORY, "xor: out of memory");
    return chart_write_in(plot, RN_OK, dir, "boundary");
}

/* The hidden plane: y = σ(v1 h1 + v2 h2 + c) shaded, its 0.5 line, the 4 cases. */
static rn_status draw_hidden(const rn_xor_mlp *net, const xor_comparison *c, const char *dir)
{
    const float *p = net->theta;
    float v1 = p[RN_XOR_W2], v2 = p[RN_XOR_W2 + 1], bias = p[RN_XOR_B2];
    float *values = malloc((size_t)GRID * GRID * sizeof *values);
    if (!values) return rn_error(RN_ERR_MEMORY, "xor: out of memory");
    const double lo = -0.05, hi = 1.05;
    for (int j = 0; j < GRID; j++)
        for (int i = 0; i < GRID; i++) {
            double h1 = lo + (i + 0.5) * (hi - lo) / GRID, h2 = lo + (j + 0.5) * (hi - lo) / GRID;
            values[j * GRID + i] = 1.0f / (1.0f + expf(-(float)(v1 * h1 + v2 * h2 + bias))); /* y */
        }
    double px[4], py[4], lx[2], ly[2];
    for (int i = 0; i < 4; i++) px[i] = c->hidden[2 * i], py[i] = c->hidden[2 * i + 1];
    rn_plot *plot = cases_on_region(values, lo, hi, px, py,
                                    "Hidden layer: the four cases in (h1, h2), output line v1 h1 + v2 h2 + c = 0",
                                    "h1", "h2");
    free(values);
    if (!plot) return rn_error(RN_ERR_MEMORY, "xor: out of memory");
    if (fabsf(v2) > 1e-6f) { /* h2 = −(v1 h1 + c) / v2 */
        lx[0] = lo, lx[1] = hi;
        for (int k = 0; k < 2; k++) ly[k] = -(v1 * lx[k] + bias) / v2;
    } else { /* a vertical line h1 = −c / v1 */
        lx[0] = lx[1] = -bias / v1;
        ly[0] = lo, ly[1] = hi;
    }
    rn_plot_add(plot, lx, ly, 2, "output unit's line", RN_PLOT_LINES);
    return chart_write_in(plot, RN_OK, dir, "hidden");
}

static rn_status draw_error(const double *curve, int n, const char *dir)
{
    if (n < 1) return RN_OK;
    rn_plot *plot = rn_plot_create();
    if (!plot) return rn_error(RN_ERR_MEMORY, "xor: out of memory");
    rn_plot_set_title(plot, "XOR: error per epoch (full-batch gradient descent)");
    rn_plot_set_labels(plot, "epoch", "E = 1/2 sum (y - t)^2");
    rn_plot_set_log(plot, false, true);
    rn_plot_add(plot, NULL, curve, n, "E", RN_PLOT_LINES);
    return chart_write_in(plot, RN_OK, dir, "error");
}

static json_t *weights_json(const rn_xor_mlp *net)
{
    const float *p = net->theta;
    return json_pack("{s:[[f,f],[f,f]],s:[f,f],s:[[f,f]],s:[f]}", "W1", p[0], p[1], p[2], p[3], "b1", p[4], p[5],
                     "W2", p[6], p[7], "b2", p[8]);
}

static void say_table(const rn_cli_args *args, const xor_comparison *c)
{
    rn_cli_say(args, "  x1 x2  t   h1       h2       y (by hand)  y (vectorised)");
    for (int i = 0; i < RN_XOR_EXAMPLES; i++)
        rn_cli_say(args, "  %2.0f %2.0f %2.0f   %.5f  %.5f  %.7f    %.7f", rn_xor_inputs[2 * i], rn_xor_inputs[2 * i + 1],
                   rn_xor_targets[i], c->hidden[2 * i], c->hidden[2 * i + 1], c->by_hand[i], c->vectorised[i]);
}

int rn_cmd_xor(int argc, char **argv)
{
    rn_xor_mlp_train_options o = rn_xor_mlp_train_defaults();
    double tolerance = o.tolerance, init_scale = o.init_scale;
    const rn_cli_option options[] = {
        {"lr", RN_OPT_DOUBLE, &o.learning_rate, "learning rate of gradient descent", 1e-4, 100, NULL},
        {"epochs", RN_OPT_INT, &o.max_epochs, "epochs per attempt before restarting", 1, 10000000, NULL},
        {"tolerance", RN_OPT_DOUBLE, &tolerance, "stop when every |y - t| is below this", 1e-4, 0.5, NULL},
        {"init-scale", RN_OPT_DOUBLE, &init_scale, "initial weights ~ U(-s, s)", 1e-4, 100, NULL},
        {"restarts", RN_OPT_INT, &o.max_restarts, "new random weights at most this often", 0, 1000, NULL},
        {0}};
    const rn_cli_spec spec = {"xor", "[options]",
                              "The 2-2-1 sigmoid network on XOR: forward by hand and vectorised (same numbers), "
                              "backpropagation by hand checked against autodiff, gradient-descent training and "
                              "pictures of the decision boundary and of the hidden layer's mapping.",
                              options, 0, 0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    o.tolerance = (float)tolerance;
    o.init_scale = (float)init_scale;

    char dir[4096];
    rn_status s = rn_cli_out_dir(&args, dir, sizeof dir);
    if (s != RN_OK) return rn_cli_fail_status(&args, s);
    rn_rng rng;
    rn_rng_seed(&rng, args.seed);
    rn_xor_mlp net;
    rn_xor_mlp_init(&net, o.init_scale, &rng);

    xor_comparison before, after;
    if ((s = compare(&net, &before)) != RN_OK) return rn_cli_fail_status(&args, s);
    rn_cli_say(&args, "Initial weights (seed %llu): forward by hand vs vectorised, max |difference| %.3g;"
               " backprop by hand vs autodiff, max |difference| %.3g",
               (unsigned long long)args.seed, before.max_forward_difference, before.max_gradient_difference);

    double *curve = malloc((size_t)o.max_epochs * sizeof *curve);
    if (!curve) return rn_cli_fail(&args, "out of memory");
    rn_xor_mlp_train_result result;
    if ((s = rn_xor_mlp_train(&net, &o, &rng, &result, curve)) != RN_OK) {
        free(curve);
        return rn_cli_fail_status(&args, s);
    }
    if ((s = compare(&net, &after)) != RN_OK) {
        free(curve);
        return rn_cli_fail_status(&args, s);
    }
    int correct = rn_xor_mlp_correct(&net);
    char restarts[96] = "no restart";
    if (result.restarts > 0)
        snprintf(restarts, sizeof restarts, "%d restart%s from a local minimum", result.restarts,
                 result.restarts == 1 ? "" : "s");
    if (result.converged)
        rn_cli_say(&args, "Trained in %d epochs (lr %g), %s; E = %.5f, %d/4 right", result.epochs, o.learning_rate,
                   restarts, result.final_error, correct);
    else
        rn_cli_say(&args, "Not converged after %d restarts (%d epochs each); E = %.5f, %d/4 right", result.restarts,
                   o.max_epochs, result.final_error, correct);
    say_table(&args, &after);

    s = draw_boundary(&net, dir);
    if (s == RN_OK) s = draw_hidden(&net, &after, dir);
    if (s == RN_OK) s = draw_error(curve, result.epochs, dir);
    free(curve);
    if (s == RN_ERR_UNSUPPORTED) rn_cli_say(&args, "gnuplot not found: pictures skipped");
    else if (s != RN_OK) return rn_cli_fail_status(&args, s);
    rn_cli_say(&args, "max |forward by hand - vectorised| = %.3g, max |backprop by hand - autodiff| = %.3g; files in %s",
               after.max_forward_difference, after.max_gradient_difference, dir);

    if (args.json) {
        json_t *out = json_object();
        json_object_set_new(out, "accuracy", json_real(correct / 4.0));
        json_object_set_new(out, "converged", json_boolean(result.converged));
        json_object_set_new(out, "epochs", json_integer(result.epochs));
        json_object_set_new(out, "restarts", json_integer(result.restarts));
        json_object_set_new(out, "total_epochs", json_integer(result.total_epochs));
        json_object_set_new(out, "final_error", json_real(result.final_error));
        json_object_set_new(out, "learning_rate", json_real(o.learning_rate));
        json_object_set_new(out, "forward_by_hand", rn_json_floats(after.by_hand, 4));
        json_object_set_new(out, "forward_vectorised", rn_json_floats(after.vectorised, 4));
        json_object_set_new(out, "max_difference", json_real(after.max_forward_difference));
        json_object_set_new(out, "max_difference_initial", json_real(before.max_forward_difference));
        json_object_set_new(out, "hidden", rn_json_floats(after.hidden, 8));
        json_object_set_new(out, "gradient_by_hand", rn_json_floats(after.gradient_by_hand, RN_XOR_PARAMS));
        json_object_set_new(out, "gradient_autodiff", rn_json_floats(after.gradient_autodiff, RN_XOR_PARAMS));
        json_object_set_new(out, "max_gradient_difference",
                            json_real(fmax(after.max_gradient_difference, before.max_gradient_difference)));
        json_object_set_new(out, "weights", weights_json(&net));
        json_object_set_new(out, "out", json_string(dir));
        rn_cli_print_json(out);
    }
    return correct == 4 ? 0 : 1;
}
