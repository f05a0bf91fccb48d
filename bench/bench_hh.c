/* bench_hh.c — the f–I sweep of chapter 1: 60 Hodgkin–Huxley neurons, step
 * currents 1..60 µA/cm² from rest, 1 s each at dt 0.01 ms (6 million steps),
 * rates over 0.5–1 s.  Median wall and CPU time of RUNS sweeps per method on
 * one thread, and the wall time on all threads.  bench/bench_hh_brian2.py runs the same sweep
 * in Brian2; bench/run.sh prints the ratio.
 *
 *   usage: bench_hh [RUNS]   (default 5) */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "redes/redes.h"

enum { N_CURRENTS = 60, MAX_RUNS = 101 };

/* Median wall seconds of `runs` sweeps; *cpu gets the median CPU seconds. */
static double median_sweep(rn_hh_method method, int runs, double *rates, double *cpu)
{
    rn_hh_params params = rn_hh_default_params(RN_HH_MODERN);
    rn_hh_integration integration = rn_hh_default_integration();
    integration.method = method;
    double currents[N_CURRENTS], seconds[MAX_RUNS], cpu_used[MAX_RUNS];
    for (int k = 0; k < N_CURRENTS; k++) currents[k] = k + 1;
    for (int run = 0; run < runs; run++) {
        double start = rn_seconds(), cpu_start = bench_cpu_seconds();
        if (rn_hh_fi_curve(&params, &integration, currents, N_CURRENTS, 1000.0, 500.0, rates, NULL, NULL) != RN_OK) {
            fprintf(stderr, "bench_hh: %s\n", rn_error_message());
            exit(1);
        }
        seconds[run] = rn_seconds() - start;
        cpu_used[run] = bench_cpu_seconds() - cpu_start;
    }
    *cpu = bench_median(cpu_used, runs);
    return bench_median(seconds, runs);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    if (runs < 1 || runs > MAX_RUNS) runs = 5;
    int all_threads = rn_threads();
    const rn_hh_method methods[] = {RN_HH_RK4, RN_HH_EXPONENTIAL, RN_HH_EULER};
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
        double rates[N_CURRENTS], cpu, cpu_all;
        rn_set_threads(1);
        double one = median_sweep(methods[m], runs, rates, &cpu);
        rn_set_threads(all_threads);
        double all = median_sweep(methods[m], runs, rates, &cpu_all);
        printf("redes_%s_s %.4f cpu %.4f   (1 thread, wall and CPU s; %.4f s wall on %d threads; median of %d; "
               "rates at 10/20/50: %g %g %g Hz)\n",
               rn_hh_method_name(methods[m]), one, cpu, all, all_threads, runs, rates[9], rates[19], rates[49]);
    }
    return 0;
}
