/* portscan.h — an sfPortscan-like detector: one tracker per source address
 * counting distinct destination ports and hosts within a time window. */
#ifndef IDS_PORTSCAN_H
#define IDS_PORTSCAN_H

#include "ids.h"
#include "stream.h"

struct ps_addr {
	uint8_t a[16];
};

struct ps_tracker {
	uint8_t addr[16];
	uint8_t family;
	struct timeval window_start, last;
	uint16_t *ports;            /* distinct TCP destination ports (cap portscan_ports), NULL until used */
	uint32_t nports;
	struct ps_addr *hosts;      /* distinct TCP destination hosts (cap portscan_hosts) */
	uint32_t nhosts;
	struct ps_addr *icmp_hosts; /* distinct echo-request targets (cap icmp_sweep_hosts) */
	uint32_t nicmp;
	uint32_t syns;
	uint8_t alerted;            /* PS_ALERT_* bits for this window */
	struct ps_tracker *next;
};

#define PS_ALERT_SCAN  0x01
#define PS_ALERT_SWEEP 0x02
#define PS_ALERT_ICMP  0x04

struct ps_table {
	struct ps_tracker **buckets;
	uint32_t nbuckets;
	uint32_t count;
};

/* sfPortscan's generator id and the event ids it uses. */
#define PS_GID 122
#define PS_SID_TCP_PORTSCAN 1
#define PS_SID_TCP_PORTSWEEP 3
#define PS_SID_ICMP_SWEEP 25

struct ps_event {
	uint32_t sid;
	const char *msg;
};

int ps_table_init(struct ps_table *t, uint32_t nbuckets);
void ps_table_free(struct ps_table *t);
/* Feed one packet; returns the number of events written to *ev (0..3). */
int ps_packet(struct ps_table *t, const struct ids_pkt *p, const struct ids_config *cfg,
	      struct ids_stats *st, struct ps_event *ev);
void ps_sweep(struct ps_table *t, const struct timeval *now, const struct ids_config *cfg,
	      struct ids_stats *st);

#endif
