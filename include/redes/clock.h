/* clock.h — a monotonic wall clock for timing epochs and benchmarks. */
#ifndef REDES_CLOCK_H
#define REDES_CLOCK_H

#ifdef __cplusplus
extern "C" {
#endif

/* Seconds from an arbitrary fixed point, monotonic, nanosecond resolution. */
double rn_seconds(void);

#ifdef __cplusplus
}
#endif
#endif
