/* state.c — the firewall's connection table (conntrack / pf state table): one
 * chained hash keyed so both directions of a connection land in one bucket,
 * creation, removal, and the expiry sweep on packet time. */
#include "fw.h"

#include <stdlib.h>
#include <string.h>

static struct fw_conn **state_tab;
static uint32_t state_mask;
static uint32_t state_entries;

void state_init(uint32_t buckets)
{
    state_tab = calloc(buckets, sizeof *state_tab);
    if (state_tab == NULL) abort();
    state_mask = buckets - 1u;
    state_entries = 0;
}

static uint32_t mix_endpoint(const uint8_t *a, uint16_t port)
{
    uint32_t h = 2166136261u; /* FNV-1a over the address bytes and the port */
    for (int i = 0; i < FW_ADDR_LEN; i++) h = (h ^ a[i]) * 16777619u;
    h = (h ^ (port >> 8)) * 16777619u;
    h = (h ^ (port & 0xffu)) * 16777619u;
    return h;
}

/* Symmetric in the two endpoints (sum of their mixes), so a reply hashes
 * like its connection without reordering the tuple. */
static uint32_t tuple_hash(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp, uint8_t proto)
{
    uint32_t h = mix_endpoint(a, ap) + mix_endpoint(b, bp);
    h ^= proto * 0x9e3779b1u;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h & state_mask;
}

struct fw_conn *state_find(const struct fw_tuple *t, int *dir)
{
    struct fw_conn *c = state_tab[tuple_hash(t->src, t->sport, t->dst, t->dport, t->proto)];
    for (; c != NULL; c = c->next) {
        if (c->proto != t->proto) continue;
        if (c->sport == t->sport && c->dport == t->dport && memcmp(c->src, t->src, FW_ADDR_LEN) == 0 &&
            memcmp(c->dst, t->dst, FW_ADDR_LEN) == 0) {
            *dir = FW_DIR_ORIG;
            return c;
        }
        if (c->sport == t->dport && c->dport == t->sport && memcmp(c->src, t->dst, FW_ADDR_LEN) == 0 &&
            memcmp(c->dst, t->src, FW_ADDR_LEN) == 0) {
            *dir = FW_DIR_REPLY;
            return c;
        }
    }
    return NULL;
}

struct fw_conn *state_create(const struct fw_tuple *t, struct fw_rule *rule, uint8_t initial, uint64_t now)
{
    struct fw_conn *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    memcpy(c->src, t->src, FW_ADDR_LEN);
    memcpy(c->dst, t->dst, FW_ADDR_LEN);
    c->sport = t->sport;
    c->dport = t->dport;
    c->proto = t->proto;
    c->state = initial;
    c->rule = rule;
    c->created_us = now;
    c->last_us = now;
    uint32_t h = tuple_hash(c->src, c->sport, c->dst, c->dport, c->proto);
    c->next = state_tab[h];
    state_tab[h] = c;
    state_entries++;
    return c;
}

void state_remove(struct fw_conn *c)
{
    struct fw_conn **pp = &state_tab[tuple_hash(c->src, c->sport, c->dst, c->dport, c->proto)];
    while (*pp != NULL && *pp != c) pp = &(*pp)->next;
    if (*pp == c) *pp = c->next;
    state_entries--;
}

uint32_t state_count(void)
{
    return state_entries;
}

void state_sweep(uint64_t now, uint64_t (*timeout_of)(const struct fw_conn *c),
                 void (*expire)(struct fw_conn *c, uint64_t now))
{
    for (uint32_t b = 0; b <= state_mask; b++) {
        struct fw_conn *c = state_tab[b];
        while (c != NULL) {
            struct fw_conn *next = c->next;
            if (now >= c->last_us && now - c->last_us >= timeout_of(c)) {
                state_remove(c);
                expire(c, now);  /* logs and frees */
            }
            c = next;
        }
    }
}
