/* nat.h — types of the source NAT (netfilter SNAT/MASQUERADE): configuration,
 * connection-tracking states and the translation mapping. */
#ifndef NAT_H
#define NAT_H

#include <stdint.h>

#define NAT_MAX_INSIDE 8
#define NAT_DIR_OUT 1u
#define NAT_DIR_IN 2u

/* conntrack's TCP states, as far as the NAT needs them for timeouts. */
enum nat_tcp_state {
    NAT_TCP_NONE = 0,       /* UDP / ICMP */
    NAT_TCP_SYN_SENT,
    NAT_TCP_SYN_RECV,
    NAT_TCP_ESTABLISHED,
    NAT_TCP_FIN_WAIT,
    NAT_TCP_TIME_WAIT,
    NAT_TCP_CLOSE,
    NAT_TCP_NSTATES
};

/* Pool index per protocol: ports for TCP and UDP, echo ids for ICMP. */
enum nat_pool { NAT_POOL_TCP = 0, NAT_POOL_UDP = 1, NAT_POOL_ICMP = 2, NAT_NPOOLS = 3 };

struct nat_prefix {
    uint32_t net, mask;     /* network byte order */
};

struct nat_config {
    struct nat_prefix inside[NAT_MAX_INSIDE];
    int ninside;
    uint32_t public_addr;   /* network byte order */
    uint16_t port_lo, port_hi;
    uint64_t tcp_timeout[NAT_TCP_NSTATES];  /* microseconds, indexed by state */
    uint64_t udp_timeout, udp_stream_timeout, icmp_timeout;
    uint64_t sweep_interval;
    uint32_t hash_size;
};

/* One translation: the inside endpoint's tuple as it leaves the LAN, and the
 * public port chosen for it. Both directions find it (outbound and inbound
 * tables). For ICMP, sport is the echo id and dport is 0. */
struct nat_mapping {
    uint32_t in_addr, rem_addr;     /* inside host, remote host (network order) */
    uint16_t in_port, rem_port;     /* host order */
    uint16_t pub_port;              /* allocated public port / echo id */
    uint8_t proto;
    uint8_t tcp_state;              /* enum nat_tcp_state */
    uint8_t replied;                /* a reply has been seen (UDP "stream") */
    uint8_t fin_dirs;               /* NAT_DIR_* bits that sent a FIN */
    uint64_t created_us, last_us;
    uint64_t pkts_out, pkts_in;
    struct nat_mapping *next_out;   /* outbound table chain */
    struct nat_mapping *next_in;    /* inbound table chain */
};

/* config.c */
void nat_config_defaults(struct nat_config *cfg);
void nat_config_load(const char *path, struct nat_config *cfg);
int nat_is_inside(const struct nat_config *cfg, uint32_t addr);

/* pool.c */
void pool_init(uint16_t lo, uint16_t hi);
int pool_alloc(enum nat_pool pool, uint16_t wanted, uint16_t *port);
void pool_free(enum nat_pool pool, uint16_t port);
uint32_t pool_in_use(enum nat_pool pool);

/* table.c */
void table_init(uint32_t buckets);
struct nat_mapping *table_find_out(uint32_t in_addr, uint16_t in_port, uint32_t rem_addr, uint16_t rem_port,
                                   uint8_t proto);
struct nat_mapping *table_find_in(uint32_t rem_addr, uint16_t rem_port, uint16_t pub_port, uint8_t proto);
void table_insert(struct nat_mapping *m);
void table_remove(struct nat_mapping *m);
uint32_t table_count(void);
void table_sweep(uint64_t now, uint64_t (*timeout_of)(const struct nat_mapping *m),
                 void (*expire)(struct nat_mapping *m, uint64_t now));

#endif
