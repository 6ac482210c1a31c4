/* stream.h — per-flow state of the IDS (after Snort's stream5): a chained hash
 * table keyed by the direction-normalised 5-tuple, TCP state, and a bounded
 * in-order reassembly buffer per direction. */
#ifndef IDS_STREAM_H
#define IDS_STREAM_H

#include "ids.h"

enum tcp_state {
	TS_SYN_SENT = 1,   /* client SYN seen */
	TS_SYN_RCVD,       /* server SYN/ACK seen */
	TS_ESTABLISHED,    /* client ACK of the SYN/ACK seen: 3-way handshake done */
	TS_CLOSING,        /* one FIN seen */
	TS_CLOSED,         /* both FINs or a RST */
	TS_MIDSTREAM,      /* picked up without a handshake: never "established" */
	TS_UDP             /* UDP session */
};

/* Lower address/port first, so both directions hash to one entry. */
struct flow_key {
	uint8_t lo_addr[16], hi_addr[16];
	uint16_t lo_port, hi_port;
	uint8_t proto;
	uint8_t family;
};

struct stream_dir {
	uint32_t next_seq;
	uint8_t seq_valid;
	uint8_t fin_seen;
	uint8_t *buf;        /* reassembly window, malloc'd on first data */
	uint32_t len;        /* bytes of the current PDU held in buf */
	uint32_t cap;
	uint64_t bytes;      /* in-order bytes seen */
	uint32_t ooo_dropped;
};

struct flow {
	struct flow_key key;
	uint8_t client_is_lo;      /* which side of the key opened the flow */
	uint8_t state;             /* enum tcp_state */
	uint8_t seen_reply;        /* traffic seen from the server side */
	struct timeval start, last;
	struct stream_dir dir[2];  /* 0: client → server, 1: server → client */
	uint32_t pkts[2];
	struct flow *next;         /* hash chain */
};

struct flow_table {
	struct flow **buckets;
	uint32_t nbuckets;
	uint32_t count;
	struct timeval next_sweep;
};

struct ids_stats {
	uint64_t packets, invalid, non_ip, ipv4, ipv6, tcp, udp, icmp, other_l4, fragments;
	uint64_t alerts, logged, filtered, portscan_alerts;
	uint64_t flows_created, flows_expired, flows_reused, flows_refused, midstream;
	uint64_t reassembled_bytes, ooo_dropped, retransmits, window_slides;
	uint64_t trackers_created, trackers_expired;
};

/* What the detection engine should look at for this segment. */
struct inspect {
	const uint8_t *buf;
	uint32_t len;
	uint32_t new_start;
};

int flow_table_init(struct flow_table *t, uint32_t nbuckets);
void flow_table_free(struct flow_table *t);
/* Find (or create) the flow of a TCP/UDP packet; *dir is 0 when the packet
 * goes client → server. NULL when the table is full. */
struct flow *stream_get(struct flow_table *t, const struct ids_pkt *p, const struct ids_config *cfg,
			struct ids_stats *st, int *dir);
/* TCP state machine, then in-order reassembly; fills *out. */
void stream_tcp(struct flow *f, int dir, const struct ids_pkt *p, const struct ids_config *cfg,
		struct ids_stats *st, struct inspect *out);
int stream_established(const struct flow *f);
/* Free flows idle past their timeout (packet time). */
void stream_sweep(struct flow_table *t, const struct timeval *now, const struct ids_config *cfg,
		  struct ids_stats *st);

#endif
