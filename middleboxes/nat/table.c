/* table.c — the NAT's mapping table (conntrack's tuple hash): each mapping is
 * on an outbound chain (inside tuple) and an inbound chain (remote endpoint +
 * public port), with the expiry sweep run on packet time. */
#include "nat.h"

#include <stdlib.h>

static struct nat_mapping **map_out;  /* buckets chained through next_out */
static struct nat_mapping **map_in;   /* buckets chained through next_in */
static uint32_t map_mask;
static uint32_t map_count;

void table_init(uint32_t buckets)
{
    map_out = calloc(buckets, sizeof *map_out);
    map_in = calloc(buckets, sizeof *map_in);
    if (map_out == NULL || map_in == NULL) abort();
    map_mask = buckets - 1u;
    map_count = 0;
}

/* Fixed mix of the key values: bucket order depends on packets only. */
static uint32_t key_hash(uint32_t a, uint16_t ap, uint32_t b, uint16_t bp, uint8_t proto)
{
    uint32_t h = (a ^ 0x2545f491u) * 0x9e3779b1u;
    h ^= b + 0x7f4a7c15u + (h << 6) + (h >> 2);
    h ^= ((((uint32_t)ap << 16) | bp) ^ ((uint32_t)proto << 8)) + (h << 6) + (h >> 2);
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return h & map_mask;
}

static uint32_t hash_out(const struct nat_mapping *m)
{
    return key_hash(m->in_addr, m->in_port, m->rem_addr, m->rem_port, m->proto);
}

static uint32_t hash_in(const struct nat_mapping *m)
{
    return key_hash(m->rem_addr, m->rem_port, 0, m->pub_port, m->proto);
}

struct nat_mapping *table_find_out(uint32_t in_addr, uint16_t in_port, uint32_t rem_addr, uint16_t rem_port,
                                   uint8_t proto)
{
    struct nat_mapping *m = map_out[key_hash(in_addr, in_port, rem_addr, rem_port, proto)];
    for (; m != NULL; m = m->next_out)
        if (m->in_addr == in_addr && m->in_port == in_port && m->rem_addr == rem_addr && m->rem_port == rem_port &&
            m->proto == proto)
            return m;
    return NULL;
}

struct nat_mapping *table_find_in(uint32_t rem_addr, uint16_t rem_port, uint16_t pub_port, uint8_t proto)
{
    struct nat_mapping *m = map_in[key_hash(rem_addr, rem_port, 0, pub_port, proto)];
    for (; m != NULL; m = m->next_in)
        if (m->rem_addr == rem_addr && m->rem_port == rem_port && m->pub_port == pub_port && m->proto == proto)
            return m;
    return NULL;
}

void table_insert(struct nat_mapping *m)
{
    uint32_t ho = hash_out(m), hi = hash_in(m);
    m->next_out = map_out[ho];
    map_out[ho] = m;
    m->next_in = map_in[hi];
    map_in[hi] = m;
    map_count++;
}

void table_remove(struct nat_mapping *m)
{
    struct nat_mapping **pp = &map_out[hash_out(m)];
    while (*pp != NULL && *pp != m) pp = &(*pp)->next_out;
    if (*pp == m) *pp = m->next_out;
    pp = &map_in[hash_in(m)];
    while (*pp != NULL && *pp != m) pp = &(*pp)->next_in;
    if (*pp == m) *pp = m->next_in;
    map_count--;
}

uint32_t table_count(void)
{
    return map_count;
}

void table_sweep(uint64_t now, uint64_t (*timeout_of)(const struct nat_mapping *m),
                 void (*expire)(struct nat_mapping *m, uint64_t now))
{
    for (uint32_t b = 0; b <= map_mask; b++) {
        struct nat_mapping *m = map_out[b];
        while (m != NULL) {
            struct nat_mapping *next = m->next_out;
            if (now >= m->last_us && now - m->last_us >= timeout_of(m)) {
                table_remove(m);
                expire(m, now);  /* logs, returns the port, frees */
            }
            m = next;
        }
    }
}
