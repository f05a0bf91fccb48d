/* parallel.c — thread count control shared by OpenMP and BLAS. */
#include "redes/parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef REDES_HAVE_OPENBLAS
void openblas_set_num_threads(int n);
#endif

static int default_threads = 0;

int rn_threads(void)
{
#ifdef _OPENMP
    /* Inside a parallel region a nested one gets one thread (nesting is off
     * unless OMP_MAX_ACTIVE_LEVELS says otherwise): code that sizes per-thread
     * buffers by this count must not expect the others (the data-parallel
     * training step runs whole layers on each of its threads). */
    if (omp_get_active_level() >= omp_get_max_active_levels()) return 1;
    return omp_get_max_threads();
#else
    return 1;
#endif
}

void rn_set_threads(int n)
{
#ifdef _OPENMP
    if (default_threads == 0) default_threads = omp_get_max_threads();
    if (n <= 0) n = default_threads;
    omp_set_num_threads(n);
#ifdef REDES_HAVE_OPENBLAS
    openblas_set_num_threads(n);
#endif
#else
    (void)n;
    (void)default_threads;
#endif
}

int rn_thread_index(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

int rn_team_size(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}
