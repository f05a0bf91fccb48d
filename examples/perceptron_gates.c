/* perceptron_gates.c — chapter 2 through the public API: Rosenblatt's
 * perceptron learns AND in a few epochs, never stops making mistakes on XOR
 * (no line separates it: an exact check says so), and the metrics of the
 * best line it found (the pocket's: 3 corners of 4) show what "fails" means
 * in numbers.  Examples in shuffled order, seed 1. */
#include <stdio.h>

#include <redes/redes.h>

/* The four corners of the unit square, and the targets of AND and XOR. */
static const float corners[4 * 2] = {0, 0, 0, 1, 1, 0, 1, 1};
static const int and_targets[4] = {0, 0, 0, 1};
static const int xor_targets[4] = {0, 1, 1, 0};

static int train(const char *gate, const int *targets, rn_perceptron *unit, rn_perceptron_result *result)
{
    rn_perceptron_options options = rn_perceptron_defaults(); /* eta 1, 100 epochs, from w = 0 */
    options.order = RN_PERCEPTRON_SHUFFLED;
    options.pocket = true; /* on XOR: keep the weights with the fewest mistakes */
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    if (rn_perceptron_init(unit, 2) != RN_OK ||
        rn_perceptron_train(unit, corners, targets, 4, &options, &rng, result, NULL) != RN_OK) {
        fprintf(stderr, "%s: %s\n", gate, rn_error_message());
        return 1;
    }
    printf("%-3s %s after %d epochs (%ld updates): w = (%g, %g), b = %g, %d of 4 wrong\n", gate,
           result->converged ? "converged" : "did NOT converge", result->epochs, result->updates,
           unit->weights[0], unit->weights[1], unit->bias, result->final_errors);
    return 0;
}

int main(void)
{
    rn_perceptron and_unit, xor_unit;
    rn_perceptron_result result;
    if (train("AND", and_targets, &and_unit, &result) || train("XOR", xor_targets, &xor_unit, &result))
        return 1;

    rn_separability separability;
    if (rn_separability_check(corners, xor_targets, 4, 2, &separability) != RN_OK) return 1;
    printf("XOR linearly separable: %s (Farkas multipliers %g %g %g %g)\n",
           separability.separable ? "yes" : "no", separability.certificate[0], separability.certificate[1],
           separability.certificate[2], separability.certificate[3]);

    /* How good is the best single line on XOR?  Confusion matrix and scores. */
    int predicted[4];
    for (int i = 0; i < 4; i++)
        predicted[i] = rn_perceptron_predict(&xor_unit, corners + 2 * i);
    int64_t confusion[2 * 2];
    rn_class_scores per_class[2];
    rn_classification_report report;
    if (rn_confusion_matrix(xor_targets, predicted, 4, 2, confusion) != RN_OK ||
        rn_classification_report_compute(confusion, 2, 1.0, per_class, &report) != RN_OK) {
        fprintf(stderr, "metrics: %s\n", rn_error_message());
        return 1;
    }
    printf("XOR by one unit: confusion [[%lld %lld] [%lld %lld]], accuracy %.2f, macro F1 %.3f\n",
           (long long)confusion[0], (long long)confusion[1], (long long)confusion[2], (long long)confusion[3],
           report.accuracy, report.macro.fscore);
    rn_perceptron_free(&and_unit);
    rn_perceptron_free(&xor_unit);
    return 0;
}
