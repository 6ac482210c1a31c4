/* pool.c — public port allocation: one bitmap per protocol over the configured
 * range, first-fit from a rotating cursor (deterministic; keeps the inside
 * port when it is free, as netfilter prefers to). */
#include "nat.h"

#include <stdlib.h>

static uint8_t *pool_bits[NAT_NPOOLS];  /* bit set = port in use */
static uint32_t pool_cursor[NAT_NPOOLS];
static uint32_t pool_used[NAT_NPOOLS];
static uint16_t pool_lo;
static uint32_t pool_size;

void pool_init(uint16_t lo, uint16_t hi)
{
    pool_lo = lo;
    pool_size = (uint32_t)hi - lo + 1u;
    for (int i = 0; i < NAT_NPOOLS; i++) {
        pool_bits[i] = calloc((pool_size + 7u) / 8u, 1);
        if (pool_bits[i] == NULL) abort();
        pool_cursor[i] = 0;
        pool_used[i] = 0;
    }
}

static int bit_get(enum nat_pool pool, uint32_t i) { return (pool_bits[pool][i >> 3] >> (i & 7u)) & 1; }
static void bit_set(enum nat_pool pool, uint32_t i) { pool_bits[pool][i >> 3] |= (uint8_t)(1u << (i & 7u)); }
static void bit_clear(enum nat_pool pool, uint32_t i) { pool_bits[pool][i >> 3] &= (uint8_t)~(1u << (i & 7u)); }

int pool_alloc(enum nat_pool pool, uint16_t wanted, uint16_t *port)
{
    if (pool_used[pool] == pool_size) return -1;
    uint32_t idx = pool_size;
    if (wanted >= pool_lo && (uint32_t)(wanted - pool_lo) < pool_size && !bit_get(pool, (uint32_t)(wanted - pool_lo)))
        idx = (uint32_t)(wanted - pool_lo);
    for (uint32_t k = 0; idx == pool_size && k < pool_size; k++) {
        uint32_t i = (pool_cursor[pool] + k) % pool_size;
        if (!bit_get(pool, i)) {
            idx = i;
            pool_cursor[pool] = (i + 1u) % pool_size;
        }
    }
    if (idx == pool_size) return -1;
    bit_set(pool, idx);
    pool_used[pool]++;
    *port = (uint16_t)(pool_lo + idx);
    return 0;
}

void pool_free(enum nat_pool pool, uint16_t port)
{
    uint32_t i = (uint32_t)(port - pool_lo);
    if (port < pool_lo || i >= pool_size || !bit_get(pool, i)) return;
    bit_clear(pool, i);
    pool_used[pool]--;
}

uint32_t pool_in_use(enum nat_pool pool)
{
    return pool_used[pool];
}
