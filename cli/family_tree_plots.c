/* family_tree_plots.c — the pictures of `redes family-tree`: the numbers go
 * to .dat/.csv files, a readable gnuplot script per picture draws them
 * (family_tree_plots.h).  Edit a .gp file and run `gnuplot NAME.gp` in the
 * run folder to redraw. */
#define _POSIX_C_SOURCE 200809L
#include "family_tree_plots.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "redes/family_tree.h"
#include "redes/image.h"
#include "redes/labels.h"

extern char **environ;

enum { UNITS = RN_FAMILY_PERSON_UNITS };

/* Opens FOLDER/NAME.tmp for writing; finish_file() renames it onto FOLDER/NAME. */
static FILE *start_file(const char *folder, const char *name, char *tmp_path, size_t size)
{
    snprintf(tmp_path, size, "%s/%s.tmp", folder, name);
    return fopen(tmp_path, "w");
}

static rn_status finish_file(FILE *file, const char *tmp_path)
{
    char final_path[4200];
    snprintf(final_path, sizeof final_path, "%.*s", (int)(strlen(tmp_path) - 4), tmp_path);
    const bool failed = ferror(file) != 0;
    if (fflush(file) != 0 || failed || fsync(fileno(file)) != 0) {
        fclose(file);
        return rn_error(RN_ERR_IO, "%s: write failed: %s", tmp_path, strerror(errno));
    }
    fclose(file);
    if (rename(tmp_path, final_path) != 0)
        return rn_error(RN_ERR_IO, "%s: rename failed: %s", final_path, strerror(errno));
    return RN_OK;
}

/* Runs `gnuplot SCRIPT` inside `folder` (posix_spawn; output to gnuplot.log). */
static rn_status run_gnuplot(const char *folder, const char *script)
{
    char log_path[4200];
    snprintf(log_path, sizeof log_path, "%s/gnuplot.log", folder);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    char script_path[4200];
    snprintf(script_path, sizeof script_path, "%s/%s", folder, script);
    char *argv[] = {"gnuplot", "-e", "cd '", NULL, NULL};
    char cd_command[4300];
    snprintf(cd_command, sizeof cd_command, "cd '%s'", folder);
    argv[2] = cd_command;
    argv[3] = (char *)script;
    pid_t pid;
    const int spawn_error = posix_spawnp(&pid, "gnuplot", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawn_error)
        return rn_error(RN_ERR_UNSUPPORTED, "cannot run gnuplot (%s): install gnuplot-nox",
                        strerror(spawn_error));
    int wait_status;
    if (waitpid(pid, &wait_status, 0) < 0 || !WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0)
        return rn_error(RN_ERR_IO, "gnuplot failed on %s (see %s)", script_path, log_path);
    return RN_OK;
}

/* ------------------------------------------------------------------ Hinton diagrams */

/* The largest |w| among the person weights and biases: it fills a cell. */
static float largest_person_weight(const rn_family_weights *w)
{
    float max_abs = 1e-12f;
    for (int u = 0; u < UNITS; u++) {
        for (int p = 0; p < RN_FAMILY_PEOPLE; p++)
            max_abs = fmaxf(max_abs, fabsf(w->person_weights[u][p]));
        max_abs = fmaxf(max_abs, fabsf(w->person_bias[u]));
    }
    return max_abs;
}

/* hinton_person_units.dat: per unit, one line per weight:
 *   unit  x  y  half_side  colour   (x: column 0..11, and 13 for the bias; y: 1 English, 0 Italian) */
static rn_status write_hinton_data(const char *folder, const rn_family_weights *w)
{
    char tmp[4200];
    FILE *f = start_file(folder, "hinton_person_units.dat", tmp, sizeof tmp);
    if (!f) return rn_error(RN_ERR_IO, "%s: %s", tmp, strerror(errno));
    const float max_abs = largest_person_weight(w);
    fprintf(f,
            "# Hinton diagram of the person units (W_p and b_p); area of a square ~ |w|, "
            "white > 0, black < 0; largest |w| = %g\n# unit x y half_side colour weight\n",
            (double)max_abs);
    for (int u = 0; u < UNITS; u++) {
        for (int p = 0; p <= RN_FAMILY_PEOPLE; p++) {
            const bool bias = p == RN_FAMILY_PEOPLE;
            const float weight = bias ? w->person_bias[u] : w->person_weights[u][p];
            const double x = bias ? 13 : p % 12, y = bias ? 1 : (p < 12 ? 1 : 0);
            const double half = 0.45 * sqrt(fabs(weight) / max_abs);
            fprintf(f, "%d %g %g %.6f %s %.6f\n", u + 1, x, y, half, weight >= 0 ? "0xFFFFFF" : "0x000000",
                    (double)weight);
        }
        fprintf(f, "\n\n");
    }
    return finish_file(f, tmp);
}

static rn_status write_hinton_script(const char *folder, const rn_family_weights *w,
                                     const rn_family_unit_meaning *m)
{
    char tmp[4200];
    FILE *f = start_file(folder, "hinton_person_units.gp", tmp, sizeof tmp);
    if (!f) return rn_error(RN_ERR_IO, "%s: %s", tmp, strerror(errno));
    fprintf(f,
            "# The six person units as Hinton diagrams (Hinton 1986, figure 4): English people in the\n"
            "# top row of each block, their Italian counterparts beneath; the bias at the right.\n"
            "set terminal pngcairo size 1100,1700 font 'Sans,10'\n"
            "set output 'hinton_person_units.png'\n"
            "set multiplot layout 6,1 margins 0.1,0.97,0.05,0.95 spacing 0,0.075 title "
            "'Person units: weights from each person (white +, black -; a full cell is |w| = %.3g)' "
            "font 'Sans,13'\n"
            "set xrange [-0.6:13.6]\nset yrange [-0.6:1.6]\nset size ratio -1\n"
            "set object 1 rectangle from -0.5,-0.5 to 11.5,1.5 fillcolor rgb '#9a9a9a' fillstyle solid "
            "noborder behind\n"
            "set object 2 rectangle from 12.5,0.5 to 13.5,1.5 fillcolor rgb '#9a9a9a' fillstyle solid "
            "noborder behind\n"
            "set ytics ('English' 1, 'Italian' 0) scale 0\n"
            "set xtics rotate by 45 right scale 0 font 'Sans,8'\n"
            "set xtics (",
            (double)largest_person_weight(w));
    for (int p = 0; p < 12; p++)
        fprintf(f, "'%s/%s' %d, ", rn_family_person_name(p), rn_family_person_name(p + 12), p);
    fprintf(f, "'bias' 13)\nunset key\nset border 0\n");
    for (int u = 0; u < UNITS; u++) {
        fprintf(
            f,
            "set title sprintf('unit %d:  r(nationality) %+.2f   r(generation) %+.2f   r(branch) %+.2f')\n",
            u + 1, m->nationality[u], m->generation[u], m->branch[u]);
        fprintf(f,
                "plot 'hinton_person_units.dat' index %d using 2:3:4:4:5 with boxxyerror "
                "fillstyle solid noborder fillcolor rgb variable\n",
                u);
    }
    fprintf(f, "unset multiplot\n");
    return finish_file(f, tmp);
}

/* The same diagram drawn by the library (image.h, no gnuplot): six panels of
 * 2 x 13 weights — English row, Italian row, the bias at the right end. */
static rn_status write_hinton_png(const char *folder, const rn_family_weights *w,
                                  const rn_family_unit_meaning *m)
{
    enum { COLUMNS = 13 };
    float panels[UNITS][2][COLUMNS] = {{{0}}};
    char label_text[UNITS][96];
    const char *panel_labels[UNITS];
    for (int u = 0; u < UNITS; u++) {
        for (int j = 0; j < 12; j++) {
            panels[u][0][j] = w->person_weights[u][j];
            panels[u][1][j] = w->person_weights[u][j + 12];
        }
        panels[u][0][12] = w->person_bias[u];
        snprintf(label_text[u], sizeof label_text[u],
                 "unit %d: nationality %+.2f generation %+.2f branch %+.2f", u + 1, m->nationality[u],
                 m->generation[u], m->branch[u]);
        panel_labels[u] = label_text[u];
    }
    const char *row_labels[2] = {"English", "Italian"};
    char column_text[COLUMNS][40];
    const char *column_labels[COLUMNS];
    for (int j = 0; j < 12; j++) {
        snprintf(column_text[j], sizeof column_text[j], "%s/%s", rn_family_person_name(j),
                 rn_family_person_name(j + 12));
        column_labels[j] = column_text[j];
    }
    column_labels[12] = "bias";
    rn_hinton_options options = rn_hinton_defaults();
    options.panels = UNITS;
    options.panels_per_row = 2;
    options.cell = 28;
    options.panel_labels = panel_labels;
    options.row_labels = row_labels;
    options.column_labels = column_labels;
    options.title = "Person units (white +, black -)";
    char path[4200];
    snprintf(path, sizeof path, "%s/hinton_person_units_library.png", folder);
    return rn_png_write_hinton(path, &panels[0][0][0], 2, COLUMNS, &options);
}

/* ------------------------------------------------------------------ the people in 2-D */

/* The first two principal axes of the 24 codes (6-D): eigenvectors of the
 * 6x6 covariance by the cyclic Jacobi method (exact enough and 30 lines). */
static void principal_axes(const float codes[RN_FAMILY_PEOPLE][UNITS], double axes[2][UNITS],
                           double variance[2])
{
    double mean[UNITS] = {0}, C[UNITS][UNITS] = {{0}}, V[UNITS][UNITS] = {{0}};
    for (int p = 0; p < RN_FAMILY_PEOPLE; p++)
        for (int i = 0; i < UNITS; i++)
            mean[i] += codes[p][i] / (double)RN_FAMILY_PEOPLE;
    for (int p = 0; p < RN_FAMILY_PEOPLE; p++)
        for (int i = 0; i < UNITS; i++)
            for (int j = 0; j < UNITS; j++)
                C[i][j] += (codes[p][i] - mean[i]) * (codes[p][j] - mean[j]) / (RN_FAMILY_PEOPLE - 1);
    for (int i = 0; i < UNITS; i++)
        V[i][i] = 1;
    for (int sweep = 0; sweep < 50; sweep++) {
        double off = 0;
        for (int i = 0; i < UNITS; i++)
            for (int j = i + 1; j < UNITS; j++)
                off += C[i][j] * C[i][j];
        if (off < 1e-24) break;
        for (int p = 0; p < UNITS; p++)
            for (int q = p + 1; q < UNITS; q++) {
                if (fabs(C[p][q]) < 1e-300) continue;
                /* Rotation that zeroes C[p][q]: tan 2θ = 2 C_pq / (C_qq - C_pp). */
                const double theta = 0.5 * atan2(2 * C[p][q], C[q][q] - C[p][p]);
                const double c = cos(theta), s = sin(theta);
                for (int k = 0; k < UNITS; k++) {
                    const double a = C[k][p], b = C[k][q];
                    C[k][p] = c * a - s * b;
                    C[k][q] = s * a + c * b;
                }
                for (int k = 0; k < UNITS; k++) {
                    const double a = C[p][k], b = C[q][k];
                    C[p][k] = c * a - s * b;
                    C[q][k] = s * a + c * b;
                }
                for (int k = 0; k < UNITS; k++) {
                    const double a = V[k][p], b = V[k][q];
                    V[k][p] = c * a - s * b;
                    V[k][q] = s * a + c * b;
                }
            }
    }
    int first = 0, second = -1;
    for (int i = 1; i < UNITS; i++)
        if (C[i][i] > C[first][first]) first = i;
    for (int i = 0; i < UNITS; i++)
        if (i != first && (second < 0 || C[i][i] > C[second][second])) second = i;
    for (int k = 0; k < UNITS; k++) {
        axes[0][k] = V[k][first];
        axes[1][k] = V[k][second];
    }
    variance[0] = C[first][first];
    variance[1] = C[second][second];
}

/* The unit most correlated with nationality, and the other unit most
 * correlated with generation: the "two most informative units". */
static void informative_units(const rn_family_unit_meaning *m, int *unit_x, int *unit_y)
{
    *unit_x = 0;
    for (int u = 1; u < UNITS; u++)
        if (fabs(m->nationality[u]) > fabs(m->nationality[*unit_x])) *unit_x = u;
    *unit_y = *unit_x == 0 ? 1 : 0;
    for (int u = 0; u < UNITS; u++)
        if (u != *unit_x && fabs(m->generation[u]) > fabs(m->generation[*unit_y])) *unit_y = u;
}

/* ---- names without overlaps
 * gnuplot puts a name where it is told and never moves it, so 24 names next
 * to points that crowd (the learned codes cluster by generation and
 * nationality; Christine and Andrew may even coincide) print over each
 * other.  The figure's geometry is fixed here (size, margins, ranges), the
 * names are placed in pixels by rn_labels_place (labels.h), and the script
 * draws each at its place, with a thin line to its point when it had to move
 * away. */

enum { FIGURE_WIDTH = 1400, FIGURE_HEIGHT = 650 };
/* Plot areas as fractions of the figure: left and right panel, bottom, top. */
static const double panel_left[2] = {0.065, 0.565}, panel_right[2] = {0.475, 0.975};
static const double panel_bottom = 0.17, panel_top = 0.87;
/* Sans 8 in pngcairo, measured: 5.6 px a character ("Christopher" is 62 px), 10 px high. */
static const double name_char_width = 5.8, name_height = 13, name_padding = 4, marker_radius = 8;

typedef struct panel_geometry {
    double x0, x1, y0, y1;  /* data ranges */
    double width, height;   /* plot area in pixels */
} panel_geometry;

/* Ranges with room for the names: 12 % of the span on each side. */
static panel_geometry panel_of(const double *x, const double *y, int n, int panel)
{
    panel_geometry g = {INFINITY, -INFINITY, INFINITY, -INFINITY, 0, 0};
    for (int i = 0; i < n; i++) {
        g.x0 = fmin(g.x0, x[i]), g.x1 = fmax(g.x1, x[i]);
        g.y0 = fmin(g.y0, y[i]), g.y1 = fmax(g.y1, y[i]);
    }
    double pad_x = 0.12 * fmax(g.x1 - g.x0, 1e-3), pad_y = 0.12 * fmax(g.y1 - g.y0, 1e-3);
    g.x0 -= pad_x, g.x1 += pad_x, g.y0 -= pad_y, g.y1 += pad_y;
    g.width = (panel_right[panel] - panel_left[panel]) * FIGURE_WIDTH;
    g.height = (panel_top - panel_bottom) * FIGURE_HEIGHT;
    return g;
}

static double to_pixel_x(const panel_geometry *g, double x) { return (x - g->x0) / (g->x1 - g->x0) * g->width; }
static double to_pixel_y(const panel_geometry *g, double y) { return (g->y1 - y) / (g->y1 - g->y0) * g->height; }
static double to_data_x(const panel_geometry *g, double px) { return g->x0 + px / g->width * (g->x1 - g->x0); }
static double to_data_y(const panel_geometry *g, double py) { return g->y1 - py / g->height * (g->y1 - g->y0); }

/* people_2d_labels.dat (comma-separated, like person_codes.csv: gnuplot
 * reads both with one separator), one block per panel, one line per person:
 *   x,y,name_x,name_y,name,left,top,right,bottom (pixels),leader,leader_x,leader_y */
static rn_status write_name_block(FILE *f, const panel_geometry *g, const double *x, const double *y)
{
    enum { N = RN_FAMILY_PEOPLE };
    double px[N], py[N], widths[N], heights[N];
    for (int p = 0; p < N; p++) {
        px[p] = to_pixel_x(g, x[p]);
        py[p] = to_pixel_y(g, y[p]);
        widths[p] = name_char_width * (double)strlen(rn_family_person_name(p)) + name_padding;
        heights[p] = name_height;
    }
    rn_label_area area = {.width = g->width, .height = g->height, .marker_radius = marker_radius};
    rn_label_box boxes[N];
    RN_CHECK(rn_labels_place(px, py, widths, heights, N, &area, boxes));
    for (int p = 0; p < N; p++) {
        const rn_label_rect *r = &boxes[p].rect;
        fprintf(f, "%.6f,%.6f,%.6f,%.6f,%s,%.1f,%.1f,%.1f,%.1f,%d,%.6f,%.6f\n", x[p], y[p],
                to_data_x(g, (r->left + r->right) / 2), to_data_y(g, (r->top + r->bottom) / 2),
                rn_family_person_name(p), r->left, r->top, r->right, r->bottom, boxes[p].leader,
                to_data_x(g, boxes[p].leader_x), to_data_y(g, boxes[p].leader_y));
    }
    fprintf(f, "\n\n");
    return RN_OK;
}

/* The plot commands of one panel: leaders, points, names. */
static void plot_panel(FILE *f, int panel, int block, int column_x, int column_y, const panel_geometry *g,
                       const char *title, const char *xlabel, const char *ylabel)
{
    fprintf(f,
            "set lmargin at screen %.3f\nset rmargin at screen %.3f\n"
            "set xrange [%.6f:%.6f]\nset yrange [%.6f:%.6f]\n"
            "set title '%s'\nset xlabel \"%s\"\nset ylabel \"%s\"\n"
            "plot 'people_2d_labels.dat' index %d using 1:2:(int($10) ? $11 - $1 : NaN):($12 - $2) with vectors "
            "nohead linecolor rgb '#999999' notitle, \\\n"
            "     'person_codes.csv' every ::1 using %d:%d:(shape($3)):(colour(strcol(2))) with points "
            "pointsize 2 pointtype variable linecolor rgb variable notitle, \\\n"
            "     'people_2d_labels.dat' index %d using 3:4:5 with labels center font 'Sans,8' notitle%s\n",
            panel_left[panel], panel_right[panel], g->x0, g->x1, g->y0, g->y1, title, xlabel, ylabel, block,
            column_x, column_y, block,
            panel == 0 ? ", \\\n     NaN with points pt 7 ps 1.5 lc rgb '#1f5fbf' title 'English', "
                         "NaN with points pt 7 ps 1.5 lc rgb '#d03020' title 'Italian', "
                         "NaN with points pt 6 ps 1.5 lc rgb 'black' title 'generation 1', "
                         "NaN with points pt 8 ps 1.5 lc rgb 'black' title 'generation 2', "
                         "NaN with points pt 4 ps 1.5 lc rgb 'black' title 'generation 3'"
                       : "");
}

static rn_status write_people(const char *folder, const rn_family_weights *w, const rn_family_unit_meaning *m)
{
    float codes[RN_FAMILY_PEOPLE][UNITS];
    rn_family_person_codes(w, codes);
    double axes[2][UNITS], variance[2];
    principal_axes(codes, axes, variance);
    int unit_x, unit_y;
    informative_units(m, &unit_x, &unit_y);

    double ux[RN_FAMILY_PEOPLE], uy[RN_FAMILY_PEOPLE], pc1[RN_FAMILY_PEOPLE], pc2[RN_FAMILY_PEOPLE];
    char tmp[4200];
    FILE *f = start_file(folder, "person_codes.csv", tmp, sizeof tmp);
    if (!f) return rn_error(RN_ERR_IO, "%s: %s", tmp, strerror(errno));
    fprintf(f, "person,nationality,generation,branch,unit1,unit2,unit3,unit4,unit5,unit6,pc1,pc2\n");
    for (int p = 0; p < RN_FAMILY_PEOPLE; p++) {
        double pc[2] = {0, 0};
        for (int k = 0; k < UNITS; k++) {
            pc[0] += axes[0][k] * codes[p][k];
            pc[1] += axes[1][k] * codes[p][k];
        }
        fprintf(f, "%s,%s,%d,%d", rn_family_person_name(p), rn_family_nationality(p) ? "Italian" : "English",
                rn_family_generation(p), rn_family_branch(p));
        for (int k = 0; k < UNITS; k++)
            fprintf(f, ",%.6f", (double)codes[p][k]);
        fprintf(f, ",%.6f,%.6f\n", pc[0], pc[1]);
        /* As printed, so that names sit exactly where gnuplot reads the points. */
        ux[p] = round((double)codes[p][unit_x] * 1e6) / 1e6;
        uy[p] = round((double)codes[p][unit_y] * 1e6) / 1e6;
        pc1[p] = round(pc[0] * 1e6) / 1e6;
        pc2[p] = round(pc[1] * 1e6) / 1e6;
    }
    RN_CHECK(finish_file(f, tmp));

    const panel_geometry units = panel_of(ux, uy, RN_FAMILY_PEOPLE, 0);
    const panel_geometry pca = panel_of(pc1, pc2, RN_FAMILY_PEOPLE, 1);
    f = start_file(folder, "people_2d_labels.dat", tmp, sizeof tmp);
    if (!f) return rn_error(RN_ERR_IO, "%s: %s", tmp, strerror(errno));
    fprintf(f, "# Where people_2d.gp writes the names (rn_labels_place: no two overlap, none covers a point).\n"
               "# Block 0: left panel, block 1: right panel.  Pixels measured from the plot area's top left.\n"
               "# x,y,name_x,name_y,name,left,top,right,bottom,leader,leader_x,leader_y\n");
    rn_status s = write_name_block(f, &units, ux, uy);
    if (s == RN_OK) s = write_name_block(f, &pca, pc1, pc2);
    if (s != RN_OK) {
        fclose(f);
        remove(tmp);
        return s;
    }
    RN_CHECK(finish_file(f, tmp));

    f = start_file(folder, "people_2d.gp", tmp, sizeof tmp);
    if (!f) return rn_error(RN_ERR_IO, "%s: %s", tmp, strerror(errno));
    fprintf(f,
            "# The 24 people in the learned code: left, the unit most correlated with nationality against\n"
            "# the other unit most correlated with generation; right, the first two principal components\n"
            "# of the 6 person units.  Colour: nationality; shape: generation (circle 1, triangle 2, square 3).\n"
            "# The names sit where people_2d_labels.dat says (placed so that none overlaps another or a\n"
            "# point; a grey line joins a name that had to move away to its point): the sizes, margins and\n"
            "# ranges below are the ones they were placed for.\n"
            "set terminal pngcairo size %d,%d font 'Sans,10'\n"
            "set output 'people_2d.png'\n"
            "set datafile separator ','\n"
            "set multiplot title 'The 24 people as the person units see them' font 'Sans,13'\n"
            "colour(n) = n eq 'English' ? 0x1f5fbf : 0xd03020\n"
            "shape(g) = g == 1 ? 7 : g == 2 ? 9 : 5\n"
            "set key at screen 0.5, screen 0.015 center bottom horizontal maxcols 5 samplen 1 width 2\n"
            "set grid\n"
            "set bmargin at screen %.3f\nset tmargin at screen %.3f\n",
            FIGURE_WIDTH, FIGURE_HEIGHT, panel_bottom, panel_top);
    char xlabel[96], ylabel[96];
    snprintf(xlabel, sizeof xlabel, "unit %d  (r with nationality %+.2f)", unit_x + 1, m->nationality[unit_x]);
    snprintf(ylabel, sizeof ylabel, "unit %d  (r with generation %+.2f)", unit_y + 1, m->generation[unit_y]);
    plot_panel(f, 0, 0, 5 + unit_x, 5 + unit_y, &units, "two most informative units", xlabel, ylabel);
    snprintf(xlabel, sizeof xlabel, "first principal component (variance %.3g)", variance[0]);
    snprintf(ylabel, sizeof ylabel, "second principal component (variance %.3g)", variance[1]);
    plot_panel(f, 1, 1, 11, 12, &pca, "PCA of the 6 person units", xlabel, ylabel);
    fprintf(f, "unset multiplot\n");
    return finish_file(f, tmp);
}

/* ------------------------------------------------------------------ loss */

static rn_status write_loss(const char *folder, const float *loss, int sweeps)
{
    char tmp[4200];
    FILE *f = start_file(folder, "loss.dat", tmp, sizeof tmp);
    if (!f) return rn_error(RN_ERR_IO, "%s: %s", tmp, strerror(errno));
    fprintf(f, "# sweep E (summed over the training cases, before the sweep's step)\n");
    for (int s = 0; s < sweeps; s++)
        fprintf(f, "%d %.9g\n", s + 1, (double)loss[s]);
    RN_CHECK(finish_file(f, tmp));
    f = start_file(folder, "loss.gp", tmp, sizeof tmp);
    if (!f) return rn_error(RN_ERR_IO, "%s: %s", tmp, strerror(errno));
    fprintf(f, "set terminal pngcairo size 800,500 font 'Sans,10'\nset output 'loss.png'\n"
               "set title 'Family-tree network: training error per sweep (first run)'\n"
               "set xlabel 'sweep'\nset ylabel 'E (summed over 100 cases)'\nset logscale y\nset grid\n"
               "plot 'loss.dat' using 1:2 with lines linewidth 2 notitle\n");
    return finish_file(f, tmp);
}

rn_status rn_family_write_plots(const char *folder, const rn_family_weights *weights,
                                const rn_family_unit_meaning *meaning, const float *loss_history, int sweeps)
{
    RN_CHECK(write_hinton_data(folder, weights));
    RN_CHECK(write_hinton_script(folder, weights, meaning));
    RN_CHECK(write_hinton_png(folder, weights, meaning));
    RN_CHECK(write_people(folder, weights, meaning));
    if (sweeps > 0) RN_CHECK(write_loss(folder, loss_history, sweeps));
    RN_CHECK(run_gnuplot(folder, "hinton_person_units.gp"));
    RN_CHECK(run_gnuplot(folder, "people_2d.gp"));
    if (sweeps > 0) RN_CHECK(run_gnuplot(folder, "loss.gp"));
    return RN_OK;
}
