/* fw.h — types of the stateful firewall (iptables + conntrack / pf): ordered
 * rules, the connection ("state") table entries and their TCP states. */
#ifndef FW_H
#define FW_H

#include <stdint.h>

#define FW_ADDR_LEN 16  /* IPv4 kept as v4-mapped IPv6 (::ffff:a.b.c.d) */

enum fw_action { FW_PASS = 0, FW_BLOCK = 1 };

/* Rule protocol: FW_PROTO_ANY matches every IP packet ("ip"/"any"). */
#define FW_PROTO_ANY 256

struct fw_cidr {
    uint8_t addr[FW_ADDR_LEN];
    uint8_t plen;           /* 0..128 over the 16-byte form; 0 = any */
};

struct fw_ports {
    uint16_t lo, hi;        /* host order; lo=0, hi=65535 when unset */
    uint8_t set;
};

struct fw_rule {
    int number;             /* 1-based position in the file */
    int line;               /* config line, for log lines */
    enum fw_action action;
    int proto;              /* IPPROTO_* or FW_PROTO_ANY */
    struct fw_cidr src, dst;
    struct fw_ports sport, dport;
    uint8_t keep_state;
    uint64_t hits, bytes;   /* per-rule counters */
};

/* conntrack's TCP states (plus pseudo-states for UDP and ICMP). */
enum fw_conn_state {
    FW_TCP_SYN_SENT = 0,
    FW_TCP_SYN_RECV,
    FW_TCP_ESTABLISHED,
    FW_TCP_FIN_WAIT,
    FW_TCP_CLOSE_WAIT,
    FW_TCP_TIME_WAIT,
    FW_TCP_CLOSED,
    FW_UDP_UNREPLIED,
    FW_UDP_REPLIED,
    FW_ICMP_ACTIVE,
    FW_NSTATES
};

#define FW_DIR_ORIG 0
#define FW_DIR_REPLY 1

/* One side of a TCP connection as pf's sequence tracking sees it. */
struct fw_peer {
    uint32_t seqlo;         /* highest sequence number sent + 1 (end of data) */
    uint32_t seqhi;         /* highest end the other side's acks/window allow */
    uint32_t max_win;       /* largest window advertised, scaled */
    uint8_t wscale;         /* window-scale shift from its SYN */
    uint8_t has_wscale;     /* the SYN carried the option */
    uint8_t started;        /* its first segment (SYN) has been seen */
};

/* One tracked connection, keyed by its original-direction tuple; packets of
 * either direction find it. For ICMP echo, sport and dport both hold the id. */
struct fw_conn {
    uint8_t src[FW_ADDR_LEN], dst[FW_ADDR_LEN];
    uint16_t sport, dport;  /* host order */
    uint8_t proto;
    uint8_t state;          /* enum fw_conn_state */
    uint8_t fin_dirs;       /* bit (1 << dir) for each side that sent a FIN */
    struct fw_rule *rule;   /* the keep-state rule that created it */
    struct fw_peer peer[2]; /* TCP sequence windows, by direction */
    uint64_t created_us, last_us;
    uint64_t pkts[2], bytes[2];
    struct fw_conn *next;   /* hash chain */
};

struct fw_config {
    enum fw_action policy;  /* when no rule matches */
    struct fw_rule *rules;  /* malloc'd array, file order */
    int nrules;
    uint64_t timeout[FW_NSTATES];   /* microseconds */
    uint64_t sweep_interval;
    uint32_t hash_size;
    uint32_t max_states;
    uint8_t window_check;   /* pf-style TCP sequence window checks */
};

/* The 5-tuple of a packet being filtered. */
struct fw_tuple {
    uint8_t src[FW_ADDR_LEN], dst[FW_ADDR_LEN];
    uint16_t sport, dport;
    uint8_t proto;
    uint8_t has_ports;      /* 0 for later fragments and port-less protocols */
};

/* rules.c */
void fw_config_defaults(struct fw_config *cfg);
void fw_config_load(const char *path, struct fw_config *cfg);
struct fw_rule *fw_rules_match(struct fw_config *cfg, const struct fw_tuple *t, int tcp_syn_only);
const char *fw_state_name(int state);

/* seqtrack.c: 1 if a TCP segment of tracked connection c, sent in direction
 * dir, fits the sequence windows (and updates them), 0 if pf would drop it. */
struct pkt;
int seq_track(struct fw_conn *c, const struct pkt *p, int dir);
void seq_reset(struct fw_conn *c);

/* state.c */
void state_init(uint32_t buckets);
struct fw_conn *state_find(const struct fw_tuple *t, int *dir);
struct fw_conn *state_create(const struct fw_tuple *t, struct fw_rule *rule, uint8_t initial, uint64_t now);
void state_remove(struct fw_conn *c);
uint32_t state_count(void);
void state_sweep(uint64_t now, uint64_t (*timeout_of)(const struct fw_conn *c),
                 void (*expire)(struct fw_conn *c, uint64_t now));

#endif
