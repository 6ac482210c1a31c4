/* conn.c — connection table of the load balancer (IPVS's ip_vs_conn_tab):
 * malloc'd entries on two chained hash tables, lookup, insertion, removal,
 * and the idle-timeout sweep driven by packet time. */
#include "conn.h"

#include <stdlib.h>
#include <string.h>

static struct lb_conn **conn_by_client; /* buckets, chained through next_c */
static struct lb_conn **conn_by_server; /* buckets, chained through next_s */
static uint32_t conn_mask;
static uint32_t conn_entries;

void conn_table_init(uint32_t buckets)
{
    conn_by_client = calloc(buckets, sizeof *conn_by_client);
    conn_by_server = calloc(buckets, sizeof *conn_by_server);
    if (conn_by_client == NULL || conn_by_server == NULL) abort();
    conn_mask = buckets - 1;
    conn_entries = 0;
}

/* A fixed mixing function over the key values (Jenkins-style final mix), so
 * bucket order depends only on the packets. */
static uint32_t conn_hash(uint32_t a, uint16_t ap, uint32_t b, uint16_t bp, uint8_t proto)
{
    uint32_t h = a * 0x9e3779b1u;
    h ^= (b + 0x7f4a7c15u) + (h << 6) + (h >> 2);
    h ^= (((uint32_t)ap << 16) | bp) + 0x165667b1u + (h << 6) + (h >> 2);
    h ^= proto;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h & conn_mask;
}

struct lb_conn *conn_find_client(uint32_t caddr, uint16_t cport, uint32_t vaddr, uint16_t vport, uint8_t proto)
{
    struct lb_conn *c = conn_by_client[conn_hash(caddr, cport, vaddr, vport, proto)];
    for (; c != NULL; c = c->next_c)
        if (c->caddr == caddr && c->cport == cport && c->vaddr == vaddr && c->vport == vport && c->proto == proto)
            return c;
    return NULL;
}

struct lb_conn *conn_find_server(uint32_t saddr, uint16_t sport, uint32_t caddr, uint16_t cport, uint8_t proto)
{
    struct lb_conn *c = conn_by_server[conn_hash(saddr, sport, caddr, cport, proto)];
    for (; c != NULL; c = c->next_s)
        if (c->srv->addr == saddr && c->srv->port == sport && c->caddr == caddr && c->cport == cport &&
            c->proto == proto)
            return c;
    return NULL;
}

struct lb_conn *conn_create(uint32_t caddr, uint16_t cport, uint32_t vaddr, uint16_t vport, uint8_t proto,
                            struct lb_service *svc, struct lb_server *srv, uint64_t now)
{
    struct lb_conn *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    c->caddr = caddr;
    c->cport = cport;
    c->vaddr = vaddr;
    c->vport = vport;
    c->proto = proto;
    c->state = LB_CONN_SYN;
    c->svc = svc;
    c->srv = srv;
    c->created_us = now;
    c->last_us = now;
    uint32_t hc = conn_hash(caddr, cport, vaddr, vport, proto);
    uint32_t hs = conn_hash(srv->addr, srv->port, caddr, cport, proto);
    c->next_c = conn_by_client[hc];
    conn_by_client[hc] = c;
    c->next_s = conn_by_server[hs];
    conn_by_server[hs] = c;
    srv->active_conns++;
    srv->total_conns++;
    svc->conns_total++;
    conn_entries++;
    return c;
}

static void unlink_client(struct lb_conn *c)
{
    struct lb_conn **pp = &conn_by_client[conn_hash(c->caddr, c->cport, c->vaddr, c->vport, c->proto)];
    while (*pp != NULL && *pp != c) pp = &(*pp)->next_c;
    if (*pp == c) *pp = c->next_c;
}

static void unlink_server(struct lb_conn *c)
{
    struct lb_conn **pp = &conn_by_server[conn_hash(c->srv->addr, c->srv->port, c->caddr, c->cport, c->proto)];
    while (*pp != NULL && *pp != c) pp = &(*pp)->next_s;
    if (*pp == c) *pp = c->next_s;
}

void conn_destroy(struct lb_conn *c)
{
    unlink_client(c);
    unlink_server(c);
    if (c->srv->active_conns > 0) c->srv->active_conns--;
    conn_entries--;
    free(c);
}

uint32_t conn_count(void)
{
    return conn_entries;
}

void conn_sweep(uint64_t now, uint64_t (*timeout_of)(const struct lb_conn *c),
                void (*expire)(struct lb_conn *c, uint64_t now))
{
    for (uint32_t b = 0; b <= conn_mask; b++) {
        struct lb_conn *c = conn_by_client[b];
        while (c != NULL) {
            struct lb_conn *next = c->next_c;
            if (now >= c->last_us && now - c->last_us >= timeout_of(c)) {
                expire(c, now);
                conn_destroy(c);
            }
            c = next;
        }
    }
}
