/* arena.h — a bump allocator for per-step scratch memory.
 *
 * A training step allocates every temporary (activations, gradients of
 * intermediate values, the autodiff tape) from an arena and calls
 * rn_arena_reset() at the end.  After the first step the arena holds one
 * block large enough for a whole step, so the steady state performs no heap
 * allocation at all (rn_arena_block_allocations() lets tests check it).
 *
 * All allocations are 64-byte aligned (a cache line; enough for AVX-512).
 */
#ifndef REDES_ARENA_H
#define REDES_ARENA_H

#include <stddef.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rn_arena rn_arena;

/* A position in the arena; rn_arena_rewind() frees everything after it. */
typedef struct rn_arena_mark {
    int block;
    size_t offset;
} rn_arena_mark;

/* Creates an arena whose first block holds `initial_bytes` (0 picks 1 MiB).
 * Returns NULL and sets the error message on failure. */
rn_arena *rn_arena_create(size_t initial_bytes);
void rn_arena_destroy(rn_arena *arena);

/* 64-byte-aligned memory, uninitialised; NULL (with message) on failure. */
void *rn_arena_alloc(rn_arena *arena, size_t bytes);
/* The same, zero-filled. */
void *rn_arena_calloc(rn_arena *arena, size_t bytes);
/* `count` floats, uninitialised. */
float *rn_arena_floats(rn_arena *arena, size_t count);

rn_arena_mark rn_arena_get_mark(const rn_arena *arena);
void rn_arena_rewind(rn_arena *arena, rn_arena_mark mark);

/* Frees everything.  If the last cycle spilled into several blocks they are
 * merged into one block of the total size, so the next cycle fits in one. */
void rn_arena_reset(rn_arena *arena);
/* rn_arena_reset, and the blocks' memory is handed back to the system while
 * the blocks themselves stay (no new allocation later: the pages return,
 * zero-filled, when next written).  For long pauses between cycles, such as
 * the evaluation after a training epoch. */
void rn_arena_trim(rn_arena *arena);

size_t rn_arena_bytes_used(const rn_arena *arena);
size_t rn_arena_peak_bytes(const rn_arena *arena);
/* How many blocks this arena has ever obtained from the system. */
size_t rn_arena_block_allocations(const rn_arena *arena);

#ifdef __cplusplus
}
#endif
#endif
