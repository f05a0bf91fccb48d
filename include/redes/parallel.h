/* parallel.h — OpenMP helpers.
 *
 * One thread pool serves both our loops and OpenBLAS (its OpenMP variant), so
 * the two never oversubscribe the cores.  OMP_NUM_THREADS governs both.
 * Loops parallelise only above a size where the fork/join cost pays off
 * (measured; see bench/).  Use OMP_WAIT_POLICY=passive on shared machines.
 */
#ifndef REDES_PARALLEL_H
#define REDES_PARALLEL_H

#ifdef __cplusplus
extern "C" {
#endif

/* Threads the next parallel region will use (1 without OpenMP). */
int rn_threads(void);
/* Sets the threads for our loops and for BLAS; n <= 0 restores the default. */
void rn_set_threads(int n);
/* Index of the calling thread inside a parallel region (0 outside). */
int rn_thread_index(void);

/* Element-wise loops parallelise only above this many elements. */
enum { RN_PARALLEL_MIN_ELEMENTS = 1 << 15 };

#ifdef __cplusplus
}
#endif
#endif
