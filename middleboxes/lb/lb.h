/* lb.h — types shared by the L4 load balancer: virtual services, real servers,
 * the per-flow connection table, and the tunables read from haproxy-style config. */
#ifndef LB_H
#define LB_H

#include <stdint.h>
#include <stdio.h>

#define LB_NAME_MAX 32

/* Balancing algorithms, as HAProxy's `balance` keyword names them. */
enum lb_algo { LB_ALGO_ROUNDROBIN = 0, LB_ALGO_LEASTCONN = 1 };

/* A real server ("server" line). Counters change per packet. */
struct lb_server {
    char name[LB_NAME_MAX];
    uint32_t addr;          /* IPv4, network byte order */
    uint16_t port;          /* host byte order */
    int weight;             /* 0 disables the server */
    uint32_t maxconn;       /* 0 = unlimited */
    int cur_weight;         /* smooth weighted round-robin credit */
    uint32_t active_conns;  /* connections currently mapped here */
    uint64_t total_conns;
    uint64_t pkts_to, pkts_from;
};

/* A virtual service ("listen" section): VIP:port → pool of servers. */
struct lb_service {
    char name[LB_NAME_MAX];
    uint32_t vip;           /* network byte order */
    uint16_t vport;         /* host byte order */
    uint8_t proto;          /* IPPROTO_TCP or IPPROTO_UDP */
    enum lb_algo algo;
    struct lb_server *servers;  /* malloc'd array */
    int nservers;
    int lc_next;            /* leastconn tie-break rotor */
    uint64_t conns_total;
    uint64_t refused;       /* no server available */
    struct lb_service *next;
};

enum lb_conn_state { LB_CONN_SYN = 0, LB_CONN_EST = 1, LB_CONN_CLOSING = 2 };

#define LB_FIN_CLIENT 1u
#define LB_FIN_SERVER 2u

/* One balanced flow. Found by its client key (client → VIP) and by its
 * server key (real server → client), so both directions hit the same entry. */
struct lb_conn {
    uint32_t caddr, vaddr;  /* network byte order */
    uint16_t cport, vport;  /* host byte order */
    uint8_t proto;
    uint8_t state;          /* enum lb_conn_state */
    uint8_t fins;           /* LB_FIN_* seen */
    struct lb_service *svc;
    struct lb_server *srv;
    uint64_t created_us, last_us;
    uint64_t pkts, bytes;
    struct lb_conn *next_c; /* chain in the client-key table */
    struct lb_conn *next_s; /* chain in the server-key table */
};

/* Tunables, HAProxy `timeout` names; all in microseconds of packet time. */
struct lb_config {
    uint64_t timeout_connect;
    uint64_t timeout_client;
    uint64_t timeout_client_fin;
    uint64_t timeout_udp;
    uint64_t stats_interval;
    uint64_t sweep_interval;
    uint32_t hash_size;     /* buckets per connection table, power of two */
};

/* config.c */
int lb_config_load(const char *path, struct lb_config *cfg, struct lb_service **services);
void lb_config_defaults(struct lb_config *cfg);

/* sched.c */
struct lb_server *lb_schedule(struct lb_service *svc);
const char *lb_algo_name(enum lb_algo algo);

#endif
