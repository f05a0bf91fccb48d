/* pictures.c — every kind of picture redes draws, from synthetic data.
 *
 *   build/examples/example_pictures DIR
 *
 * writes into DIR (which must exist) the sample pictures shown in
 * docs/pictures.md: an image grid of signed filters, a heatmap with a colour
 * bar, a confusion matrix, a Hinton diagram in the family-tree layout, a loss
 * curve, a two-panel chart sharing the x axis and a decision region.  The
 * data are made up (smooth functions and seeded random numbers): the point
 * is what the pictures look like, not what they say.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "redes/redes.h"

static int fail(const char *what)
{
    fprintf(stderr, "example_pictures: %s: %s\n", what, rn_error_message());
    return 1;
}

static char path_buffer[4096];
static const char *in_dir(const char *dir, const char *name)
{
    snprintf(path_buffer, sizeof path_buffer, "%s/%s", dir, name);
    return path_buffer;
}

/* Eight 5x5 "filters": oriented edges plus noise, signed. */
static int filters(const char *dir, rn_rng *rng)
{
    float w[8 * 25];
    for (int f = 0; f < 8; f++) {
        double angle = f * M_PI / 8.0;
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++) {
                double along = (x - 2) * cos(angle) + (y - 2) * sin(angle);
                w[f * 25 + y * 5 + x] = (float)(tanh(1.5 * along) + 0.15 * rn_rng_normal(rng));
            }
    }
    rn_grid_options grid = rn_grid_defaults();
    grid.columns = 8;
    grid.scale = 10;
    grid.colormap = RN_COLORMAP_DIVERGING;
    grid.normalise = RN_NORMALISE_GLOBAL;
    grid.background = RN_WHITE;
    return rn_png_write_grid(in_dir(dir, "filters.png"), w, 8, 5, 5, &grid) ? fail("filters") : 0;
}

static int heatmap(const char *dir)
{
    float m[12 * 24];
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 24; j++)
            m[i * 24 + j] = (float)(sin(0.5 * i) * cos(0.3 * j) * 2.0 + 0.1 * (i - j) / 4.0);
    rn_heatmap_options options = rn_heatmap_defaults();
    options.colormap = RN_COLORMAP_DIVERGING;
    options.title = "Weights W (12 x 24)";
    return rn_png_write_heatmap(in_dir(dir, "heatmap.png"), m, 12, 24, &options) ? fail("heatmap") : 0;
}

static int confusion(const char *dir, rn_rng *rng)
{
    int64_t counts[100] = {0};
    for (int i = 0; i < 10; i++) {
        counts[i * 10 + i] = 960 + (int64_t)(rn_rng_uniform(rng) * 40);
        for (int k = 0; k < 12; k++)
            counts[i * 10 + (int)(rn_rng_uniform(rng) * 10)]++;
    }
    return rn_png_write_confusion(in_dir(dir, "confusion.png"), counts, 10, NULL,
                                  "MNIST test set (synthetic counts)")
               ? fail("confusion")
               : 0;
}

/* Hinton (1986): 6 hidden units, each a 2 x 12 panel, English people above
 * their Italian counterparts. */
static int hinton(const char *dir, rn_rng *rng)
{
    float w[6 * 24];
    for (int i = 0; i < 6 * 24; i++)
        w[i] = (float)rn_rng_normal(rng);
    static const char *const people[12] = {"Christopher", "Penelope", "Andrew",   "Christine",
                                           "Margaret",    "Arthur",   "Victoria", "James",
                                           "Jennifer",    "Charles",  "Colin",    "Charlotte"};
    static const char *const rows[2] = {"English", "Italian"};
    static const char *const units[6] = {"unit 1", "unit 2", "unit 3", "unit 4", "unit 5", "unit 6"};
    rn_hinton_options options = rn_hinton_defaults();
    options.panels = 6;
    options.panels_per_row = 2;
    options.panel_labels = units;
    options.row_labels = rows;
    options.column_labels = people;
    options.title = "person -> hidden weights";
    return rn_png_write_hinton(in_dir(dir, "hinton.png"), w, 2, 12, &options) ? fail("hinton") : 0;
}

static int loss_curve(const char *dir)
{
    enum { EPOCHS = 30 };
    double train[EPOCHS], test[EPOCHS];
    for (int e = 0; e < EPOCHS; e++) {
        train[e] = 2.3 * exp(-e / 4.0) + 0.02;
        test[e] = 2.3 * exp(-e / 4.5) + 0.045 + 0.0015 * e;
    }
    rn_plot *plot = rn_plot_create();
    if (!plot) return fail("plot");
    rn_plot_set_title(plot, "Training curve (synthetic)");
    rn_plot_set_labels(plot, "epoch", "cross-entropy");
    rn_plot_set_log(plot, false, true);
    rn_plot_set_size(plot, 640, 400);
    rn_plot_add(plot, NULL, train, EPOCHS, "train", RN_PLOT_LINES);
    rn_plot_add(plot, NULL, test, EPOCHS, "test", RN_PLOT_LINESPOINTS);
    rn_status status = rn_plot_write(plot, in_dir(dir, "loss"));
    rn_plot_destroy(plot);
    return status ? fail("loss") : 0;
}

/* A spike-like train in the top panel, three gate-like curves below. */
static int panels(const char *dir)
{
    enum { N = 600 };
    static double t[N], v[N], m[N], h[N], n[N];
    for (int i = 0; i < N; i++) {
        t[i] = i * 0.05;
        double phase = fmod(t[i], 12.0);
        v[i] = -65.0 + 100.0 * exp(-pow(phase - 4.0, 2) / 0.5);
        m[i] = 0.05 + 0.9 * exp(-pow(phase - 4.0, 2) / 0.6);
        h[i] = 0.6 - 0.5 * exp(-pow(phase - 5.0, 2) / 3.0);
        n[i] = 0.32 + 0.4 * exp(-pow(phase - 5.5, 2) / 4.0);
    }
    rn_plot *plot = rn_plot_create();
    if (!plot) return fail("plot");
    rn_plot_set_size(plot, 640, 480);
    rn_plot_set_title(plot, "Two panels sharing t (synthetic)");
    rn_plot_set_labels(plot, "t (ms)", "V (mV)");
    rn_plot_set_legend(plot, "off");
    rn_plot_set_panel_weight(plot, 1.4);
    rn_plot_add(plot, t, v, N, "V", RN_PLOT_LINES);
    rn_plot_add_panel(plot);
    rn_plot_set_labels(plot, "t (ms)", "gates");
    rn_plot_set_yrange(plot, 0.0, 1.0);
    rn_plot_set_legend(plot, "outside right");
    rn_plot_add(plot, t, m, N, "m", RN_PLOT_LINES);
    rn_plot_add(plot, t, h, N, "h", RN_PLOT_LINES);
    rn_plot_add(plot, t, n, N, "n", RN_PLOT_LINES);
    rn_plot_share_x(plot, true);
    rn_status status = rn_plot_write(plot, in_dir(dir, "panels"));
    rn_plot_destroy(plot);
    return status ? fail("panels") : 0;
}

/* XOR: the region where a 2-2-1 network would answer 1 is a band. */
static int decision_region(const char *dir)
{
    enum { G = 120 };
    static float region[G * G];
    for (int j = 0; j < G; j++)
        for (int i = 0; i < G; i++) {
            double x = -0.5 + (i + 0.5) * 2.0 / G, y = -0.5 + (j + 0.5) * 2.0 / G;
            /* Thresholds off the grid's diagonals, so no cell sits on a tie. */
            region[j * G + i] = (x + y > 0.51 && x + y < 1.49) ? 1.0f : 0.0f;
        }
    const double x[4] = {0, 0, 1, 1}, y[4] = {0, 1, 0, 1};
    const int label[4] = {0, 1, 1, 0};
    static const char *const names[2] = {"XOR = 0", "XOR = 1"};
    rn_plot *plot = rn_plot_create();
    if (!plot) return fail("plot");
    rn_plot_set_size(plot, 520, 480);
    rn_plot_set_title(plot, "XOR decision region");
    rn_plot_set_labels(plot, "x1", "x2");
    rn_plot_add_region(plot, region, G, G, -0.5, 1.5, -0.5, 1.5, 2);
    rn_plot_add_classes(plot, x, y, label, 4, 2, names, RN_PLOT_POINTS);
    rn_status status = rn_plot_write(plot, in_dir(dir, "xor"));
    rn_plot_destroy(plot);
    return status ? fail("xor") : 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    rn_rng rng;
    rn_rng_seed(&rng, 7);
    int failures = filters(argv[1], &rng) + heatmap(argv[1]) + confusion(argv[1], &rng) +
                   hinton(argv[1], &rng) + loss_curve(argv[1]) + panels(argv[1]) + decision_region(argv[1]);
    if (failures) return 1;
    printf("wrote 7 pictures into %s (filters, heatmap, confusion, hinton, loss, panels, xor)\n", argv[1]);
    return 0;
}
