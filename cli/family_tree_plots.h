/* family_tree_plots.h — the pictures of `redes family-tree` (gnuplot). */
#ifndef REDES_CLI_FAMILY_TREE_PLOTS_H
#define REDES_CLI_FAMILY_TREE_PLOTS_H

#include "redes/family_tree_net.h"
#include "redes/status.h"

/* Writes into `folder`: person_codes.csv, hinton_person_units.png (the six
 * person units as Hinton diagrams, English above Italian, by gnuplot) and
 * hinton_person_units_library.png (the same by image.h), people_2d.png (the
 * 24 people in the plane of the two most informative units and by PCA),
 * loss.png (E per sweep), and the gnuplot scripts that made them. */
rn_status rn_family_write_plots(const char *folder, const rn_family_weights *weights,
                                const rn_family_unit_meaning *meaning, const float *loss_history, int sweeps);

#endif
