/* cmd_gates.c — `redes gates`: logic gates with hand-set threshold units, why
 * one unit cannot compute XOR, and XOR from two layers. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "redes/logic_gates.h"
#include "redes/plot.h"


typedef struct gate_row {
    int x[2];
    double net;
    int y;
} gate_row;

static double unit_net(const rn_threshold_unit *unit, const int *x)
{
    double net = unit->bias;
    for (int i = 0; i < unit->n_inputs; i++) net += (double)unit->weights[i] * x[i];
    return net;
}

/* "x1 + x2 - 1.5", "-x1 - x2 + 0.5": w . x + b as a reader writes it. */
static void format_net(const rn_threshold_unit *unit, char *text, size_t size)
{
    size_t used = 0;
    for (int i = 0; i <= unit->n_inputs && used < size; i++) {
        double v = i < unit->n_inputs ? unit->weights[i] : unit->bias;
        const char *sign = v < 0 ? (i == 0 ? "-" : " - ") : (i == 0 ? "" : " + ");
        double magnitude = v < 0 ? -v : v;
        if (i < unit->n_inputs && magnitude == 1)
            used += (size_t)snprintf(text + used, size - used, "%sx%d", sign, i + 1);
        else if (i < unit->n_inputs)
            used += (size_t)snprintf(text + used, size - used, "%s%g x%d", sign, magnitude, i + 1);
        else
            used += (size_t)snprintf(text + used, size - used, "%s%g", sign, magnitude);
    }
}

static void inputs_of_row(int n_inputs, int row, int *x)
{
    for (int i = 0; i < n_inputs; i++) x[i] = (row >> (n_inputs - 1 - i)) & 1;
}

/* A single-unit gate: printed table and JSON object. */
static json_t *single_unit_gate(const rn_cli_args *args, rn_gate gate, bool *all_correct)
{
    rn_threshold_unit unit;
    rn_gate_unit(gate, &unit);
    const int n = unit.n_inputs, rows = 1 << n;
    char name[8];
    snprintf(name, sizeof name, "%s", rn_gate_name(gate));
    for (char *c = name; *c; c++) *c = (char)(*c - 'a' + 'A');
    char net_text[96];
    format_net(&unit, net_text, sizeof net_text);
    rn_cli_say(args, "%s: y = step(%s)", name, net_text);
    rn_cli_say(args, "  %s | w.x+b | y", n == 2 ? "x1 x2" : "x1");
    json_t *table = json_array();
    bool correct = true;
    for (int r = 0; r < rows; r++) {
        int x[2];
        inputs_of_row(n, r, x);
        int y = rn_threshold_unit_fire(&unit, x);
        double net = unit_net(&unit, x);
        correct = correct && y == rn_gate_truth(gate, x);
        if (n == 2) rn_cli_say(args, "   %d  %d | %5.1f | %d", x[0], x[1], net, y);
        else rn_cli_say(args, "   %d | %5.1f | %d", x[0], net, y);
        json_array_append_new(table, json_pack("{s:o,s:f,s:i}", "x", rn_json_ints(x, n), "net", net, "y", y));
    }
    rn_cli_say(args, "%s", "");
    *all_correct = *all_correct && correct;
    return json_pack("{s:i,s:o,s:f,s:o,s:b}", "inputs", n, "weights", rn_json_floats(unit.weights, n), "bias",
                     (double)unit.bias, "truth_table", table, "correct", correct);
}

static json_t *unit_json(const rn_threshold_unit *unit, const char *gate)
{
    return json_pack("{s:s,s:o,s:f}", "gate", gate, "weights", rn_json_floats(unit->weights, unit->n_inputs),
                     "bias", (double)unit->bias);
}

static json_t *xor_gate(const rn_cli_args *args, bool *all_correct)
{
    rn_xor_network network = rn_xor_network_default();
    rn_cli_say(args, "XOR in two layers: h1 = OR(x1, x2), h2 = NAND(x1, x2), y = AND(h1, h2)");
    rn_cli_say(args, "  x1 x2 | h1 h2 | y");
    json_t *table = json_array();
    bool correct = true;
    for (int r = 0; r < 4; r++) {
        int x[2], hidden[2];
        inputs_of_row(2, r, x);
        int y = rn_xor_network_fire(&network, x, hidden);
        correct = correct && y == rn_gate_truth(RN_GATE_XOR, x);
        rn_cli_say(args, "   %d  %d |  %d  %d | %d", x[0], x[1], hidden[0], hidden[1], y);
        json_array_append_new(table, json_pack("{s:o,s:o,s:i}", "x", rn_json_ints(x, 2), "hidden",
                                               rn_json_ints(hidden, 2), "y", y));
    }
    rn_cli_say(args, "%s", "");
    *all_correct = *all_correct && correct;
    json_t *hidden = json_array();
    json_array_append_new(hidden, unit_json(&network.hidden[0], "or"));
    json_array_append_new(hidden, unit_json(&network.hidden[1], "nand"));
    return json_pack("{s:i,s:i,s:o,s:o,s:o,s:b}", "inputs", 2, "layers", 2, "hidden", hidden, "output",
                     unit_json(&network.output, "and"), "truth_table", table, "correct", correct);
}

/* The proof that no single unit computes XOR: the four constraints and the
 * certificate that adds them into "0 >= 4". */
static json_t *xor_proof(const rn_cli_args *args, int *exit_code)
{
    static const float points[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    static const int classes[4] = {0, 1, 1, 0};
    static const char *const constraints[4] = {"-b >= 1", "w2 + b >= 1", "w1 + b >= 1", "-w1 - w2 - b >= 1"};
    rn_separability result;
    rn_status status = rn_separability_check(points, classes, 4, 2, &result);
    if (status != RN_OK) {
        *exit_code = rn_cli_fail_status(args, status);
        return NULL;
    }
    rn_cli_say(args, "Why one unit cannot: y = step(w1 x1 + w2 x2 + b) would need (with margin 1)");
    double total = 0;
    for (int i = 0; i < 4; i++) {
        rn_cli_say(args, "  x = (%g, %g) -> %d:  %-18s  (times %g)", points[2 * i], points[2 * i + 1], classes[i],
                   constraints[i], result.certificate[i]);
        total += result.certificate[i];
    }
    rn_cli_say(args, "  the weighted sum of the left sides is 0 for every w1, w2, b, but the right sides "
                     "add to %g: 0 >= %g, impossible.", total, total);
    rn_cli_say(args, "  Fourier-Motzkin elimination finds this certificate: XOR is %slinearly separable.\n",
               result.separable ? "" : "not ");
    json_t *list = json_array();
    for (int i = 0; i < 4; i++) json_array_append_new(list, json_string(constraints[i]));
    return json_pack("{s:b,s:o,s:o,s:f}", "separable", result.separable, "constraints", list, "certificate",
                     rn_json_doubles(result.certificate, 4), "contradiction_rhs", total);
}

/* Which of the 16 Boolean functions of two inputs one unit computes. */
static json_t *all_functions(const rn_cli_args *args, int *exit_code)
{
    static const float points[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    /* Names indexed by the outputs on (0,0),(0,1),(1,0),(1,1) read as bits 0..3. */
    static const char *const names[16] = {"false", "nor", "x1 and not x2", "not x1", "not x1 and x2",
                                          "not x2", "xor", "nand", "and", "xnor", "x2", "x1 or not x2",
                                          "x1", "not x1 or x2", "or", "true"};
    json_t *functions = json_array(), *impossible = json_array();
    int separable = 0;
    for (int f = 0; f < 16; f++) {
        /* Bit r of the table is the output on row r, row 0 = (0,0). */
        int classes[4] = {(f >> 3) & 1, (f >> 2) & 1, (f >> 1) & 1, f & 1};
        rn_separability result;
        rn_status status = rn_separability_check(points, classes, 4, 2, &result);
        if (status != RN_OK) {
            json_decref(functions);
            json_decref(impossible);
            *exit_code = rn_cli_fail_status(args, status);
            return NULL;
        }
        separable += result.separable;
        if (!result.separable) json_array_append_new(impossible, json_string(names[f]));
        json_array_append_new(functions, json_pack("{s:s,s:o,s:b}", "name", names[f], "outputs",
                                                   rn_json_ints(classes, 4), "separable", result.separable));
    }
    rn_cli_say(args, "Of the 16 Boolean functions of two inputs, %d are computed by one threshold unit; "
                     "not: %s and %s.", separable, json_string_value(json_array_get(impossible, 0)),
               json_string_value(json_array_get(impossible, 1)));
    return json_pack("{s:i,s:i,s:o,s:o}", "total", 16, "separable", separable, "not_separable", impossible,
                     "functions", functions);
}

/* Adds the line w1 x1 + w2 x2 + b = 0 of a two-input unit across the box
 * [-0.5, 1.5]^2 (all our units have w2 != 0). */
static rn_status add_unit_line(rn_plot *plot, const rn_threshold_unit *unit, const char *label)
{
    double x[2] = {-0.5, 1.5}, y[2];
    for (int i = 0; i < 2; i++) y[i] = -(unit->weights[0] * x[i] + unit->bias) / unit->weights[1];
    return rn_plot_add(plot, x, y, 2, label, RN_PLOT_LINES);
}

/* gates-NAME.png: the plane coloured by the gate's answer (one unit, or the
 * two-layer network for XOR), the four inputs, and each unit's line. */
static rn_status plot_gate(const char *folder, rn_gate gate, char *png, size_t size)
{
    enum { GRID = 160 };
    static float region[GRID * GRID];
    rn_threshold_unit unit;
    rn_xor_network network = rn_xor_network_default();
    if (gate != RN_GATE_XOR) RN_CHECK(rn_gate_unit(gate, &unit));
    for (int row = 0; row < GRID; row++)
        for (int column = 0; column < GRID; column++) {
            /* The units accept any real input; step(w . x + b) on the grid point. */
            double x1 = -0.5 + 2.0 * (column + 0.5) / GRID, x2 = -0.5 + 2.0 * (row + 0.5) / GRID;
            int y;
            if (gate == RN_GATE_XOR) {
                double h1 = network.hidden[0].weights[0] * x1 + network.hidden[0].weights[1] * x2 + network.hidden[0].bias;
                double h2 = network.hidden[1].weights[0] * x1 + network.hidden[1].weights[1] * x2 + network.hidden[1].bias;
                int h[2] = {h1 >= 0, h2 >= 0};
                y = rn_threshold_unit_fire(&network.output, h);
            } else {
                y = unit.weights[0] * x1 + unit.weights[1] * x2 + unit.bias >= 0;
            }
            region[row * GRID + column] = (float)(1 - y); /* class 0 of the picture = output 1 */
        }
    double px[4], py[4];
    int classes[4];
    for (int r = 0; r < 4; r++) {
        int x[2] = {r >> 1, r & 1};
        px[r] = x[0], py[r] = x[1], classes[r] = 1 - rn_gate_truth(gate, x);
    }
    rn_plot *plot = rn_plot_create();
    if (!plot) return rn_error(RN_ERR_MEMORY, "out of memory for a plot");
    char title[96];
    snprintf(title, sizeof title, gate == RN_GATE_XOR ? "XOR = AND(OR, NAND): two layers" : "%s: one threshold unit",
             rn_gate_name(gate));
    const char *names[2] = {"output 1", "output 0"};
    rn_status status = rn_plot_set_title(plot, title);
    if (status == RN_OK) status = rn_plot_set_size(plot, 860, 480);
    if (status == RN_OK) status = rn_plot_set_labels(plot, "x1", "x2");
    if (status == RN_OK) status = rn_plot_add_region(plot, region, GRID, GRID, -0.5, 1.5, -0.5, 1.5, 2);
    if (status == RN_OK) status = rn_plot_add_classes(plot, px, py, classes, 4, 2, names, RN_PLOT_POINTS);
    if (status == RN_OK && gate == RN_GATE_XOR) {
        status = add_unit_line(plot, &network.hidden[0], "h1 = OR: x1 + x2 = 0.5");
        if (status == RN_OK) status = add_unit_line(plot, &network.hidden[1], "h2 = NAND: x1 + x2 = 1.5");
    } else if (status == RN_OK) {
        status = add_unit_line(plot, &unit, "w.x + b = 0");
    }
    if (status == RN_OK) status = rn_plot_set_legend(plot, "outside right");
    snprintf(png, size, "%s/gates-%s.png", folder, rn_gate_name(gate));
    if (status == RN_OK) status = rn_plot_write(plot, png);
    rn_plot_destroy(plot);
    return status;
}

static rn_status plot_gates(const rn_cli_args *args, const char *folder, const char *only, json_t **pictures)
{
    char png[4200];
    *pictures = json_array();
    const rn_gate gates[] = {RN_GATE_AND, RN_GATE_OR, RN_GATE_NAND, RN_GATE_NOR, RN_GATE_XOR};
    for (size_t g = 0; g < sizeof gates / sizeof gates[0]; g++) {
        if (strcmp(only, "all") != 0 && strcmp(only, rn_gate_name(gates[g])) != 0) continue;
        RN_CHECK(plot_gate(folder, gates[g], png, sizeof png));
        json_array_append_new(*pictures, json_string(png));
        rn_cli_say(args, "wrote %s", png);
    }
    return RN_OK;
}

int rn_cmd_gates(int argc, char **argv)
{
    const char *only = "all";
    const rn_cli_option options[] = {
        {"gate", RN_OPT_CHOICE, &only, "show one gate", 0, 0, "all|and|or|nand|nor|not|xor"},
        {0}};
    const rn_cli_spec spec = {"gates", "[--gate NAME]",
                              "Logic gates from McCulloch-Pitts threshold units y = step(w.x + b) with hand-set "
                              "weights: AND, OR, NAND, NOR, NOT in one unit each; XOR is not linearly separable "
                              "(shown by an exact Fourier-Motzkin check) and is built from two layers. Writes gates-NAME.png: "
                              "the plane coloured by the gate's answer with each unit's line.",
                              options, 0, 0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    /* The run folder first, so that a bad --out fails before any output. */
    char folder[4096];
    rn_status status = rn_cli_out_dir(&args, folder, sizeof folder);
    if (status != RN_OK) return rn_cli_fail_status(&args, status);

    json_t *gates = json_object();
    bool all_correct = true;
    const rn_gate singles[] = {RN_GATE_AND, RN_GATE_OR, RN_GATE_NAND, RN_GATE_NOR, RN_GATE_NOT};
    for (size_t g = 0; g < sizeof singles / sizeof singles[0]; g++)
        if (strcmp(only, "all") == 0 || strcmp(only, rn_gate_name(singles[g])) == 0)
            json_object_set_new(gates, rn_gate_name(singles[g]), single_unit_gate(&args, singles[g], &all_correct));
    json_t *proof = NULL, *functions = NULL;
    exit_code = 0;
    if (strcmp(only, "all") == 0 || strcmp(only, "xor") == 0) {
        proof = xor_proof(&args, &exit_code);
        if (proof) json_object_set_new(gates, "xor", xor_gate(&args, &all_correct));
    }
    if (exit_code == 0 && strcmp(only, "all") == 0) functions = all_functions(&args, &exit_code);
    json_t *pictures = NULL;
    if (exit_code == 0) {
        status = plot_gates(&args, folder, only, &pictures);
        if (status != RN_OK) exit_code = rn_cli_fail_status(&args, status);
    }
    if (exit_code != 0) {
        json_decref(pictures);
        json_decref(functions);
        json_decref(gates);
        json_decref(proof);
        return exit_code;
    }
    if (args.json) {
        json_t *out = json_pack("{s:o,s:b}", "gates", gates, "all_correct", all_correct);
        if (proof) json_object_set_new(out, "xor_single_unit", proof);
        if (functions) json_object_set_new(out, "boolean_functions_2_inputs", functions);
        json_object_set_new(out, "pngs", pictures);
        rn_cli_print_json(out);
    } else {
        json_decref(pictures);
        json_decref(gates);
        json_decref(proof);
        json_decref(functions);
    }
    return all_correct ? 0 : 1;
}
