/* conn.h — the load balancer's connection table: two chained hash tables over
 * the same entries, one keyed by the client side, one by the server side. */
#ifndef LB_CONN_H
#define LB_CONN_H

#include "lb.h"

void conn_table_init(uint32_t buckets);
struct lb_conn *conn_find_client(uint32_t caddr, uint16_t cport, uint32_t vaddr, uint16_t vport, uint8_t proto);
struct lb_conn *conn_find_server(uint32_t saddr, uint16_t sport, uint32_t caddr, uint16_t cport, uint8_t proto);
struct lb_conn *conn_create(uint32_t caddr, uint16_t cport, uint32_t vaddr, uint16_t vport, uint8_t proto,
                            struct lb_service *svc, struct lb_server *srv, uint64_t now);
void conn_destroy(struct lb_conn *c);
uint32_t conn_count(void);

/* Calls expire(c) for, and then frees, every entry whose idle time exceeds
 * timeout_of(c); walks buckets in index order so the log is deterministic. */
void conn_sweep(uint64_t now, uint64_t (*timeout_of)(const struct lb_conn *c),
                void (*expire)(struct lb_conn *c, uint64_t now));

#endif
