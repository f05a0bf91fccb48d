/* omp_for.h — private: loop pragmas for the element-wise kernels.
 *
 *   RN_OMP_FOR(work)   an element-wise loop: vectorised (omp simd) and split
 *                      over threads only above RN_PARALLEL_MIN_ELEMENTS;
 *   RN_OMP_ROWS(work)  a loop over independent rows (threads only);
 *   RN_SIMD            a serial loop to vectorise.
 *
 * `omp simd` is what makes these loops vectorise in our -O2 build (GCC's -O2
 * cost model skips loops that need alias checks); it also tells the compiler
 * the iterations are independent, which holds for every loop it marks.
 * Without OpenMP the pragmas vanish (so -Wunknown-pragmas stays quiet).
 */
#ifndef REDES_KERNELS_OMP_FOR_H
#define REDES_KERNELS_OMP_FOR_H

#include "redes/parallel.h"

#ifdef _OPENMP
#define RN_PRAGMA_(text) _Pragma(#text)
#define RN_OMP_FOR(work)                                                                           \
    RN_PRAGMA_(omp parallel for simd schedule(static)                                             \
                   if (parallel : (size_t)(work) > (size_t)RN_PARALLEL_MIN_ELEMENTS))
#define RN_OMP_ROWS(work)                                                                          \
    RN_PRAGMA_(omp parallel for schedule(static) if ((size_t)(work) > (size_t)RN_PARALLEL_MIN_ELEMENTS))
#define RN_SIMD _Pragma("omp simd")
#else
#define RN_OMP_FOR(work)
#define RN_OMP_ROWS(work)
#define RN_SIMD
#endif

#endif
