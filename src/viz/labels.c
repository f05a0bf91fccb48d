/* labels.c — greedy placement of point names without overlaps (labels.h). */
#include "redes/labels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rings of candidate positions around a point, one label height apart: 8
 * rings reach about 8 lines away, beyond which a name no longer reads as
 * belonging to its point. */
enum { RINGS = 8, DIRECTIONS = 8 };

/* Above, below, right, left first (a name beside its point reads best),
 * then the diagonals. */
static const double direction[DIRECTIONS][2] = {{0, -1}, {0, 1}, {1, 0}, {-1, 0}, {1, -1}, {-1, -1}, {1, 1}, {-1, 1}};

double rn_label_rect_overlap(const rn_label_rect *a, const rn_label_rect *b)
{
    double w = fmin(a->right, b->right) - fmax(a->left, b->left);
    double h = fmin(a->bottom, b->bottom) - fmax(a->top, b->top);
    return w > 0 && h > 0 ? w * h : 0.0;
}

static rn_label_rect centred(double cx, double cy, double w, double h)
{
    return (rn_label_rect){cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
}

/* What a box would cover: other names, markers, obstacles, and (weighted
 * 4x, a name cut off is worse than one touching another) the outside. */
static double cost(const rn_label_rect *r, const rn_label_box *placed, const bool *is_placed, const double *x,
                   const double *y, int n, const rn_label_area *area)
{
    double total = 0;
    for (int j = 0; j < n; j++) {
        if (is_placed[j]) total += rn_label_rect_overlap(r, &placed[j].rect);
        rn_label_rect marker = centred(x[j], y[j], 2 * area->marker_radius, 2 * area->marker_radius);
        total += rn_label_rect_overlap(r, &marker);
    }
    for (int k = 0; k < area->n_obstacles; k++) total += rn_label_rect_overlap(r, &area->obstacles[k]);
    bool inside = r->left >= 0 && r->top >= 0 && r->right <= area->width && r->bottom <= area->height;
    if (!inside) {
        rn_label_rect plot = {0, 0, area->width, area->height};
        double box = (r->right - r->left) * (r->bottom - r->top);
        total += 4 * fmax(box - rn_label_rect_overlap(r, &plot), 1.0); /* at least 1: never "free" */
    }
    return total;
}

/* Where the segment from the box's centre to the point (px, py) leaves the box. */
static void edge_towards(const rn_label_rect *r, double px, double py, double *ex, double *ey)
{
    double cx = (r->left + r->right) / 2, cy = (r->top + r->bottom) / 2;
    double vx = px - cx, vy = py - cy;
    double sx = vx != 0 ? (r->right - r->left) / 2 / fabs(vx) : INFINITY;
    double sy = vy != 0 ? (r->bottom - r->top) / 2 / fabs(vy) : INFINITY;
    double s = fmin(fmin(sx, sy), 1.0);
    *ex = cx + vx * s;
    *ey = cy + vy * s;
}

/* Points with many neighbours within a name's reach choose first. */
static int *crowded_first(const double *x, const double *y, const double *widths, int n)
{
    int *order = malloc((size_t)n * sizeof *order);
    int *neighbours = calloc((size_t)n, sizeof *neighbours);
    if (!order || !neighbours) {
        free(order);
        free(neighbours);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        order[i] = i;
        for (int j = 0; j < n; j++)
            if (j != i && fabs(x[i] - x[j]) < widths[i] && fabs(y[i] - y[j]) < widths[i]) neighbours[i]++;
    }
    /* Insertion sort, stable: ties keep the input order (deterministic). */
    for (int i = 1; i < n; i++) {
        int item = order[i], k = i;
        while (k > 0 && neighbours[order[k - 1]] < neighbours[item]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = item;
    }
    free(neighbours);
    return order;
}

rn_status rn_labels_place(const double *x, const double *y, const double *widths, const double *heights, int n,
                          const rn_label_area *area, rn_label_box *boxes)
{
    if (n < 0) return rn_error(RN_ERR_ARGUMENT, "labels: %d names", n);
    if (!(area->width > 0 && area->height > 0 && area->marker_radius >= 0))
        return rn_error(RN_ERR_ARGUMENT, "labels: area %g x %g, marker %g", area->width, area->height,
                        area->marker_radius);
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i]) || !isfinite(y[i]) || !(widths[i] > 0) || !(heights[i] > 0))
            return rn_error(RN_ERR_ARGUMENT, "labels: name %d at (%g, %g) sized %g x %g", i, x[i], y[i], widths[i],
                            heights[i]);
    if (n == 0) return RN_OK;
    int *order = crowded_first(x, y, widths, n);
    bool *is_placed = calloc((size_t)n, sizeof *is_placed);
    if (!order || !is_placed) {
        free(order);
        free(is_placed);
        return rn_error(RN_ERR_MEMORY, "labels: out of memory");
    }
    const double gap = area->marker_radius + 2; /* a name starts 2 px beyond the marker */
    for (int o = 0; o < n; o++) {
        int i = order[o];
        double w = widths[i], h = heights[i], best_cost = INFINITY;
        int best_ring = 0;
        rn_label_rect best = centred(x[i], y[i] - gap - h / 2, w, h);
        for (int ring = 0; ring < RINGS && best_cost > 0; ring++) {
            double d = gap + ring * h;
            for (int k = 0; k < DIRECTIONS && best_cost > 0; k++) {
                double dx = direction[k][0], dy = direction[k][1];
                double shrink = dx != 0 && dy != 0 ? 0.70710678118654752 : 1.0; /* the diagonals: the same distance */
                rn_label_rect r = centred(x[i] + dx * (d * shrink + w / 2), y[i] + dy * (d * shrink + h / 2), w, h);
                double c = cost(&r, boxes, is_placed, x, y, n, area);
                if (c < best_cost) best_cost = c, best = r, best_ring = ring;
            }
        }
        boxes[i].rect = best;
        boxes[i].overlap = best_cost;
        boxes[i].leader = best_ring > 0;
        edge_towards(&best, x[i], y[i], &boxes[i].leader_x, &boxes[i].leader_y);
        is_placed[i] = true;
    }
    free(order);
    free(is_placed);
    return RN_OK;
}
