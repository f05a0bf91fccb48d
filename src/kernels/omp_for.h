/* omp_for.h — private: an OpenMP parallel-for that only forks above
 * RN_PARALLEL_MIN_ELEMENTS and compiles to nothing without OpenMP (so
 * -Wunknown-pragmas stays quiet in builds with REDES_OPENMP=OFF).
 *
 *   RN_OMP_FOR(n)
 *   for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) ...
 */
#ifndef REDES_KERNELS_OMP_FOR_H
#define REDES_KERNELS_OMP_FOR_H

#include "redes/parallel.h"

#ifdef _OPENMP
#define RN_PRAGMA_(text) _Pragma(#text)
#define RN_OMP_FOR(work) \
    RN_PRAGMA_(omp parallel for schedule(static) if ((size_t)(work) > (size_t)RN_PARALLEL_MIN_ELEMENTS))
#else
#define RN_OMP_FOR(work)
#endif

#endif
