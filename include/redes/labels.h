/* labels.h — where to write the names of the points of a scatter plot so
 * that no two names overlap and no name covers a point.
 *
 *   // 24 points in pixels (y downwards), names 6 px a character, 12 px high
 *   rn_label_box boxes[24];
 *   RN_CHECK(rn_labels_place(points_x, points_y, widths, heights, 24, &area, boxes));
 *   // boxes[i]: the rectangle of name i; boxes[i].leader: draw a line from
 *   // the point to (leader_x, leader_y) on the box's edge, it sits away from it
 *
 * The method is greedy (Christensen, Marks and Shieber 1995 compare it with
 * better and slower ones; for a few dozen names it is enough): names are
 * placed one by one, the most crowded points first; each tries positions
 * around its point on rings of growing distance (above, below, right, left,
 * then the diagonals) and takes the first whose box overlaps no name placed
 * so far, no point marker and no obstacle, and stays inside the area.  If no
 * position is free (more names than room) it takes the one with the least
 * overlap.  Names that end up away from their point get a leader line.
 * Deterministic: the same input gives the same boxes. */
#ifndef REDES_LABELS_H
#define REDES_LABELS_H

#include <stdbool.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rn_label_rect {
    double left, top, right, bottom; /* pixels, y downwards: top < bottom */
} rn_label_rect;

typedef struct rn_label_area {
    double width, height;     /* the plot area: [0, width] x [0, height] */
    double marker_radius;     /* half the side of the square kept free around every point */
    const rn_label_rect *obstacles; /* e.g. the key; may be NULL */
    int n_obstacles;
} rn_label_area;

typedef struct rn_label_box {
    rn_label_rect rect;         /* where the name goes */
    bool leader;                /* the box is not next to its point: draw a line */
    double leader_x, leader_y;  /* where the line from the point meets the box's edge */
    double overlap;             /* pixels² of overlap left (0 when there was room) */
} rn_label_box;

/* Places n names of widths[i] x heights[i] pixels for points (x[i], y[i]).
 * Points may lie outside the area or on top of each other.  RN_ERR_ARGUMENT
 * for n < 0, a non-finite coordinate or a non-positive size or area. */
rn_status rn_labels_place(const double *x, const double *y, const double *widths, const double *heights, int n,
                          const rn_label_area *area, rn_label_box *boxes);

/* Area (pixels²) of the intersection of two rectangles, 0 if they do not meet. */
double rn_label_rect_overlap(const rn_label_rect *a, const rn_label_rect *b);

#ifdef __cplusplus
}
#endif
#endif
