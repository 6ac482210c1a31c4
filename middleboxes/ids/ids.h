/* ids.h — types shared by the Snort-like IDS: the read-only signature state
 * (rules, port groups, Aho-Corasick automata) and the per-flow/per-source state. */
#ifndef IDS_H
#define IDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

/* ---------------------------------------------------------------- decoded packet */

/* What detection needs from one frame; filled by ids_decode() from the
 * bounds-checked decoder. `payload` points into the capture buffer and is
 * never stored in state. */
struct ids_pkt {
	struct timeval ts;
	int family;                 /* 4 or 6 */
	uint8_t src[16], dst[16];   /* IPv4 uses the first 4 bytes */
	uint8_t proto;              /* IPPROTO_TCP / UDP / ICMP / ICMPV6 / other */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	int icmp_type, icmp_code;   /* -1 when not ICMP */
	int l4_ok;                  /* transport header present (first fragment) */
	const uint8_t *payload;
	uint32_t payload_len;
};

/* ---------------------------------------------------------------- rules */

enum rule_action { ACT_ALERT = 0, ACT_LOG, ACT_PASS };
enum rule_proto { RP_IP = 0, RP_TCP, RP_UDP, RP_ICMP };

/* One CIDR block, or `any`, negated or not. An address spec matches when it
 * matches some positive entry (or has none) and no negated entry. */
struct addr_entry {
	uint8_t addr[16];
	uint8_t family;             /* 4, 6, or 0 for any */
	uint8_t bits;
	uint8_t negated;
};
struct addr_spec {
	struct addr_entry *entries;
	size_t n;
};

struct port_entry {
	uint16_t lo, hi;
	uint8_t negated;
};
struct port_spec {
	struct port_entry *entries;
	size_t n;
};

#define CONTENT_HAS_OFFSET   0x01
#define CONTENT_HAS_DEPTH    0x02
#define CONTENT_HAS_DISTANCE 0x04
#define CONTENT_HAS_WITHIN   0x08

struct content {
	uint8_t *pat;
	uint32_t len;
	uint8_t nocase;
	uint8_t negated;
	uint8_t mods;               /* CONTENT_HAS_* */
	uint8_t fast_pattern;       /* explicitly chosen with fast_pattern */
	int32_t offset, depth, distance, within;
};

struct classtype {
	char *name;
	char *desc;
	int priority;
	struct classtype *next;
};

enum flags_mode { FLAGS_NONE = 0, FLAGS_EXACT, FLAGS_PLUS, FLAGS_ANY, FLAGS_NOT };
enum flow_dir { FLOWDIR_ANY = 0, FLOWDIR_TO_SERVER, FLOWDIR_TO_CLIENT };
enum flow_state_req { FLOWST_ANY = 0, FLOWST_ESTABLISHED, FLOWST_NOT_ESTABLISHED, FLOWST_STATELESS };
enum df_track { DF_NONE = 0, DF_BY_SRC, DF_BY_DST };
enum dsize_op { DSIZE_NONE = 0, DSIZE_EQ, DSIZE_LT, DSIZE_GT, DSIZE_RANGE };

struct rule {
	uint32_t index;             /* position in the rule file: evaluation order */
	uint8_t action, proto, bidirectional;
	struct addr_spec src, dst;
	struct port_spec sport, dport;
	char *msg;
	uint32_t gid, sid, rev;
	const struct classtype *classtype;
	int priority;               /* from `priority:` or the classtype */
	struct content *contents;
	size_t ncontents;
	int fp_index;               /* Snort's fast pattern choice; -1 when no positive content */
	uint8_t flags_mode, flags_bits, flags_ignore;
	uint8_t flow_dir, flow_state;
	int itype, icode;           /* -1 = not constrained */
	uint8_t dsize_op;
	uint32_t dsize_lo, dsize_hi;
	uint8_t df_track;           /* detection_filter: DF_NONE, DF_BY_SRC, DF_BY_DST */
	uint32_t df_count, df_seconds;
	const char *file;
	int line;
	struct rule *next;
};

/* Aho-Corasick automaton over case-folded patterns (Snort's acsmx2 idea):
 * a full DFA of `nstates` x 256 transitions; each state lists the patterns
 * that end in it. */
struct ac_match {
	uint32_t rule_slot;         /* index into the port group's rule array */
	uint32_t pat_len;
	struct ac_match *next;
};
struct ac_automaton {
	int32_t *next_state;        /* nstates * 256 */
	struct ac_match **matches;  /* nstates lists */
	uint32_t nstates;
	uint32_t cap_states;        /* allocated rows; grows geometrically */
	uint32_t npatterns;
	uint32_t max_pattern;
};

/* Rules that may apply to one protocol/port: those with a positive content go
 * through the automaton, the others are always verified. */
struct port_group {
	struct rule **rules;
	uint32_t nrules;
	struct ac_automaton *ac;
	struct rule **nocontent;
	uint32_t nnocontent;
};

/* Per protocol: a group per destination port and per source port for rules
 * pinned to a port, and one generic group for the rest (Snort's PORT_GROUP
 * split into src/dst/generic). Tables are 65536 pointers, NULL = no group. */
struct proto_groups {
	struct port_group **by_dport;
	struct port_group **by_sport;
	struct port_group *generic;
};

struct var_def {
	char *name;
	char *value;
	struct var_def *next;
};

/* Tunables, settable with `config <name>: <value>` in the rule file. */
struct ids_config {
	uint32_t tcp_timeout;        /* seconds idle before an open flow expires */
	uint32_t closed_timeout;     /* seconds a closed flow is kept */
	uint32_t udp_timeout;
	uint32_t reassembly_window;  /* bytes kept per direction */
	uint32_t max_flows;
	uint32_t portscan_window;    /* seconds */
	uint32_t portscan_ports;     /* distinct dst ports → portscan */
	uint32_t portscan_hosts;     /* distinct dst hosts → portsweep */
	uint32_t icmp_sweep_hosts;
	uint32_t max_events;         /* events logged per packet (event_queue) */
};

struct ruleset {
	struct rule *rules;          /* in file order */
	uint32_t nrules;
	struct classtype *classtypes;
	struct var_def *vars;
	struct proto_groups groups[4];   /* indexed by enum rule_proto; RP_IP uses generic only */
	struct ids_config config;
	uint32_t ngroups;            /* port groups built */
	uint64_t ac_states;          /* automaton states over all groups */
	uint64_t ac_bytes;           /* transition tables' size */
};

/* rules.c */
int rules_load(struct ruleset *rs, const char *path, char *err, size_t errlen);
void rules_free(struct ruleset *rs);
void config_defaults(struct ids_config *c);
int addr_match(const struct addr_spec *a, int family, const uint8_t *ip);
int port_match(const struct port_spec *p, uint16_t port);

/* acsm.c */
struct ac_automaton *ac_new(void);
int ac_add(struct ac_automaton *ac, const uint8_t *pat, uint32_t len, uint32_t slot);
int ac_compile(struct ac_automaton *ac);
void ac_free(struct ac_automaton *ac);
typedef void (*ac_hit_fn)(uint32_t rule_slot, uint32_t end, void *arg);
void ac_search(const struct ac_automaton *ac, const uint8_t *text, uint32_t len, ac_hit_fn hit, void *arg);
extern const uint8_t ids_fold[256];

/* detect.c */
int detect_compile(struct ruleset *rs, char *err, size_t errlen);
void detect_free(struct ruleset *rs);
struct detect_ctx {
	const struct ids_pkt *pkt;
	int flow_dir;                /* FLOWDIR_TO_SERVER / TO_CLIENT, or ANY when no flow */
	int established;             /* 1 when the flow finished the 3-way handshake */
	int have_flow;
	const uint8_t *buf;          /* inspected bytes: reassembled stream or payload */
	uint32_t len;
	uint32_t new_start;          /* matches must end past this (new data) */
};
/* Returns 1 when the event was reported (a detection_filter may hold it back). */
typedef int (*event_fn)(const struct rule *r, const struct ids_pkt *p, void *arg);
int detect_packet(const struct ruleset *rs, const struct detect_ctx *dc, event_fn ev, void *arg);
int rule_verify(const struct rule *r, const struct detect_ctx *dc);
int content_search(const struct rule *r, const uint8_t *buf, uint32_t len, uint32_t new_start);

/* ids.c: the surface fuzz.c and main() use */
struct pcap_pkthdr;
int ids_init(int nconfig, const char *const *configs, char *err, size_t errlen);
void ids_handle_packet(const struct pcap_pkthdr *h, const unsigned char *bytes);
void ids_print_stats(FILE *out);
void ids_shutdown(void);
void ids_release_rules(void);

#endif
