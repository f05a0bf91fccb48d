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

/* Threads the next parallel region will use (1 without OpenMP, and 1 inside
 * a parallel region when nesting is off, the default). */
int rn_threads(void);
/* Sets the threads for our loops and for BLAS; n <= 0 restores the default. */
void rn_set_threads(int n);
/* Index of the calling thread inside a parallel region (0 outside). */
int rn_thread_index(void);
/* Threads of the current team (1 outside a parallel region). */
int rn_team_size(void);

/* Element-wise loops parallelise only above this many elements.  With
 * OMP_WAIT_POLICY=passive (what the CLI, tests and CI use: spinning threads
 * are ruinous on a shared 2-core machine) every parallel region wakes its
 * threads through the kernel, tens of microseconds, about what one core needs
 * to stream a million floats.  At 1 << 15 LeNet-5 ran slower on 2 threads
 * than on 1 (one epoch, 300 batches scaled: 3.20 s against 2.90 s; with this
 * bound and the GEMM's below, 2.44 s; whole epochs 2.5-3.2 s, noisy).  SGD
 * and Adam use the same bound: they split from a million parameters. */
enum { RN_PARALLEL_MIN_ELEMENTS = 1 << 20 };

#ifdef __cplusplus
}
#endif
#endif
