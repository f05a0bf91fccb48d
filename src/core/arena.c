/* arena.c — bump allocator with block merging (see include/redes/arena.h). */
#include "redes/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { ARENA_ALIGNMENT = 64, ARENA_MAX_BLOCKS = 48 };

typedef struct arena_block {
    unsigned char *memory;
    size_t capacity;
} arena_block;

struct rn_arena {
    arena_block blocks[ARENA_MAX_BLOCKS];
    int n_blocks;
    int current; /* index of the block being filled */
    size_t offset; /* bytes used in the current block */
    size_t used_before_current; /* bytes used in earlier blocks */
    size_t used_before[ARENA_MAX_BLOCKS]; /* used_before_current when block i became current */
    size_t peak;
    size_t block_allocations;
};

static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

/* Blocks are mapped straight from the kernel (page-aligned, so 64-byte
 * aligned too) rather than taken from malloc: freeing a mapping gives its
 * pages back at once, whereas freed blocks of tens of MB in malloc's heap
 * (and the larger mmap threshold glibc adopts after freeing one) kept a
 * second trainer in the same process from reusing them: three mnist-cnn
 * trainers in a row peaked at 156 MB instead of 125.  Untouched pages of a
 * block cost no memory. */
static void *map_block(size_t capacity)
{
#ifdef MAP_ANONYMOUS
    void *memory = mmap(NULL, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return memory == MAP_FAILED ? NULL : memory;
#else
    void *memory = NULL;
    return posix_memalign(&memory, ARENA_ALIGNMENT, capacity) == 0 ? memory : NULL;
#endif
}

static void unmap_block(arena_block *block)
{
#ifdef MAP_ANONYMOUS
    munmap(block->memory, block->capacity);
#else
    free(block->memory);
#endif
}

static int add_block(rn_arena *arena, size_t capacity)
{
    if (arena->n_blocks == ARENA_MAX_BLOCKS) return 0;
    capacity = round_up(capacity, ARENA_ALIGNMENT);
    void *memory = map_block(capacity);
    if (!memory) return 0;
    arena->blocks[arena->n_blocks].memory = memory;
    arena->blocks[arena->n_blocks].capacity = capacity;
    arena->n_blocks++;
    arena->block_allocations++;
    return 1;
}

rn_arena *rn_arena_create(size_t initial_bytes)
{
    rn_arena *arena = calloc(1, sizeof *arena);
    if (!arena) {
        rn_error(RN_ERR_MEMORY, "arena: cannot allocate the arena header");
        return NULL;
    }
    if (initial_bytes == 0) initial_bytes = (size_t)1 << 20;
    if (!add_block(arena, initial_bytes)) {
        free(arena);
        rn_error(RN_ERR_MEMORY, "arena: cannot allocate %zu bytes", initial_bytes);
        return NULL;
    }
    return arena;
}

void rn_arena_destroy(rn_arena *arena)
{
    if (!arena) return;
    for (int i = 0; i < arena->n_blocks; i++) unmap_block(&arena->blocks[i]);
    free(arena);
}

void *rn_arena_alloc(rn_arena *arena, size_t bytes)
{
    size_t size = round_up(bytes ? bytes : 1, ARENA_ALIGNMENT);
    for (;;) {
        arena_block *block = &arena->blocks[arena->current];
        if (arena->offset + size <= block->capacity) {
            void *p = block->memory + arena->offset;
            arena->offset += size;
            size_t used = arena->used_before_current + arena->offset;
            if (used > arena->peak) arena->peak = used;
            return p;
        }
        /* Move on to the next block, creating one that is at least twice
         * the last and large enough for this request. */
        if (arena->current + 1 == arena->n_blocks) {
            size_t grow = block->capacity * 2;
            if (grow < size) grow = size;
            if (!add_block(arena, grow)) {
                rn_error(RN_ERR_MEMORY, "arena: cannot grow by %zu bytes", grow);
                return NULL;
            }
        }
        arena->used_before_current += arena->offset;
        arena->current++;
        arena->used_before[arena->current] = arena->used_before_current;
        arena->offset = 0;
    }
}

void *rn_arena_calloc(rn_arena *arena, size_t bytes)
{
    void *p = rn_arena_alloc(arena, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

float *rn_arena_floats(rn_arena *arena, size_t count)
{
    return rn_arena_alloc(arena, count * sizeof(float));
}

rn_arena_mark rn_arena_get_mark(const rn_arena *arena)
{
    rn_arena_mark mark = {arena->current, arena->offset};
    return mark;
}

void rn_arena_rewind(rn_arena *arena, rn_arena_mark mark)
{
    arena->current = mark.block;
    arena->offset = mark.offset;
    arena->used_before_current = arena->used_before[mark.block];
}

void rn_arena_reset(rn_arena *arena)
{
    if (arena->n_blocks > 1) {
        size_t total = 0;
        for (int i = 0; i < arena->n_blocks; i++) {
            total += arena->blocks[i].capacity;
            unmap_block(&arena->blocks[i]);
        }
        arena->n_blocks = 0;
        if (!add_block(arena, total)) {
            /* Could not merge; fall back to a block of the original size so
             * the arena stays usable. The next allocation reports failure. */
            add_block(arena, ARENA_ALIGNMENT);
        }
    }
    arena->current = 0;
    arena->offset = 0;
    arena->used_before_current = 0;
}

void rn_arena_trim(rn_arena *arena)
{
    rn_arena_reset(arena);
#ifdef MAP_ANONYMOUS
    /* MADV_DONTNEED on a private anonymous mapping drops the pages; the
     * next touch maps fresh zero pages. */
    for (int i = 0; i < arena->n_blocks; i++)
        madvise(arena->blocks[i].memory, arena->blocks[i].capacity, MADV_DONTNEED);
#endif
}

size_t rn_arena_bytes_used(const rn_arena *arena)
{
    return arena->used_before_current + arena->offset;
}

size_t rn_arena_peak_bytes(const rn_arena *arena) { return arena->peak; }

size_t rn_arena_block_allocations(const rn_arena *arena) { return arena->block_allocations; }
