/* md5.h — MD5 (RFC 1321) for the tests that check bundled data against the
 * checksums its authors published.  Not for security: only for recognising a
 * known file.  Header-only so that a test includes it and nothing else does. */
#ifndef REDES_TEST_MD5_H
#define REDES_TEST_MD5_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct md5_state {
    uint32_t h[4];
    uint32_t k[64]; /* K[i] = floor(|sin(i + 1)| * 2^32), RFC 1321 section 3.4 */
    unsigned char block[64];
    size_t block_used;
    uint64_t total_bytes;
} md5_state;

static inline uint32_t md5_rotl(uint32_t x, int c)
{
    return x << c | x >> (32 - c);
}

static inline void md5_init(md5_state *s)
{
    static const uint32_t h0[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
    memcpy(s->h, h0, sizeof h0);
    for (int i = 0; i < 64; i++)
        s->k[i] = (uint32_t)(fabs(sin(i + 1.0)) * 4294967296.0);
    s->block_used = 0;
    s->total_bytes = 0;
}

static inline void md5_block(md5_state *s, const unsigned char *p)
{
    static const int shift[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};
    uint32_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24; /* little-endian words */
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g, round = i / 16;
        if (round == 0)
            f = (b & c) | (~b & d), g = i;
        else if (round == 1)
            f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
        else if (round == 2)
            f = b ^ c ^ d, g = (3 * i + 5) % 16;
        else
            f = c ^ (b | ~d), g = (7 * i) % 16;
        uint32_t rotated = md5_rotl(a + f + s->k[i] + m[g], shift[round][i % 4]);
        a = d;
        d = c;
        c = b;
        b = b + rotated;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
}

static inline void md5_update(md5_state *s, const void *data, size_t n)
{
    const unsigned char *p = data;
    s->total_bytes += n;
    while (n > 0) {
        size_t take = 64 - s->block_used < n ? 64 - s->block_used : n;
        memcpy(s->block + s->block_used, p, take);
        s->block_used += take;
        p += take;
        n -= take;
        if (s->block_used == 64) {
            md5_block(s, s->block);
            s->block_used = 0;
        }
    }
}

/* Writes 32 lowercase hex digits and a NUL into hex[33]. */
static inline void md5_final(md5_state *s, char hex[33])
{
    uint64_t bits = s->total_bytes * 8;
    unsigned char pad = 0x80, zero = 0, length[8];
    md5_update(s, &pad, 1);
    while (s->block_used != 56)
        md5_update(s, &zero, 1);
    for (int i = 0; i < 8; i++)
        length[i] = (unsigned char)(bits >> (8 * i));
    md5_update(s, length, 8);
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned)(s->h[i / 4] >> (8 * (i % 4))) & 0xFF);
}

#endif
