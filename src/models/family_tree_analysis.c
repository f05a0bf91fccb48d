/* family_tree_analysis.c — what the person units learned: their codes for the
 * 24 people and how each unit correlates with nationality, generation and
 * branch of the family (family_tree_net.h; paper, figure 4). */
#include <math.h>

#include "redes/family_tree_net.h"

void rn_family_person_codes(const rn_family_weights *w, float codes[RN_FAMILY_PEOPLE][RN_FAMILY_PERSON_UNITS])
{
    for (int p = 0; p < RN_FAMILY_PEOPLE; p++)
        for (int u = 0; u < RN_FAMILY_PERSON_UNITS; u++)
            codes[p][u] = 1.0f / (1.0f + expf(-(w->person_weights[u][p] + w->person_bias[u])));
}

/* Pearson r = Σ(x - x̄)(y - ȳ) / sqrt(Σ(x - x̄)² Σ(y - ȳ)²) over the 24 people;
 * 0 when either side is constant (a dead unit says nothing). */
static double correlation(const double *x, const double *y, int n)
{
    double mean_x = 0, mean_y = 0;
    for (int i = 0; i < n; i++) {
        mean_x += x[i];
        mean_y += y[i];
    }
    mean_x /= n;
    mean_y /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        sxy += (x[i] - mean_x) * (y[i] - mean_y);
        sxx += (x[i] - mean_x) * (x[i] - mean_x);
        syy += (y[i] - mean_y) * (y[i] - mean_y);
    }
    if (sxx <= 1e-24 || syy <= 1e-24) return 0;
    return sxy / sqrt(sxx * syy);
}

void rn_family_unit_meaning_compute(const rn_family_weights *w, rn_family_unit_meaning *meaning)
{
    float codes[RN_FAMILY_PEOPLE][RN_FAMILY_PERSON_UNITS];
    rn_family_person_codes(w, codes);
    double nationality[RN_FAMILY_PEOPLE], generation[RN_FAMILY_PEOPLE], branch[RN_FAMILY_PEOPLE];
    for (int p = 0; p < RN_FAMILY_PEOPLE; p++) {
        nationality[p] = rn_family_nationality(p);
        generation[p] = rn_family_generation(p);
        branch[p] = rn_family_branch(p);
    }
    for (int u = 0; u < RN_FAMILY_PERSON_UNITS; u++) {
        double unit[RN_FAMILY_PEOPLE];
        for (int p = 0; p < RN_FAMILY_PEOPLE; p++)
            unit[p] = codes[p][u];
        meaning->nationality[u] = correlation(unit, nationality, RN_FAMILY_PEOPLE);
        meaning->generation[u] = correlation(unit, generation, RN_FAMILY_PEOPLE);
        meaning->branch[u] = correlation(unit, branch, RN_FAMILY_PEOPLE);
    }
}

double rn_family_nationality_score(const rn_family_unit_meaning *meaning, int *unit)
{
    double best = 0;
    int best_unit = 0;
    for (int u = 0; u < RN_FAMILY_PERSON_UNITS; u++)
        if (fabs(meaning->nationality[u]) > best) {
            best = fabs(meaning->nationality[u]);
            best_unit = u;
        }
    if (unit) *unit = best_unit;
    return best;
}
