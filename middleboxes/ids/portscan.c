/* portscan.c — sfPortscan-like scan detection on packet time: TCP SYNs and
 * ICMP echo requests are counted per source; crossing a threshold within the
 * window raises one event per kind per window. */
#include "portscan.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

int ps_table_init(struct ps_table *t, uint32_t nbuckets)
{
	memset(t, 0, sizeof *t);
	t->buckets = calloc(nbuckets, sizeof *t->buckets);
	if (!t->buckets)
		return -1;
	t->nbuckets = nbuckets;
	return 0;
}

static void tracker_free(struct ps_tracker *k)
{
	free(k->ports);
	free(k->hosts);
	free(k->icmp_hosts);
	free(k);
}

void ps_table_free(struct ps_table *t)
{
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct ps_tracker *k = t->buckets[i];
		while (k) {
			struct ps_tracker *n = k->next;
			tracker_free(k);
			k = n;
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof *t);
}

static uint32_t addr_hash(const uint8_t *a, uint8_t family)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	return (h ^ family) * 16777619u;
}

static double tv_diff(const struct timeval *a, const struct timeval *b)
{
	return (double)(a->tv_sec - b->tv_sec) + (double)(a->tv_usec - b->tv_usec) / 1e6;
}

static struct ps_tracker *tracker_get(struct ps_table *t, const struct ids_pkt *p, struct ids_stats *st)
{
	uint8_t key[16];
	memset(key, 0, sizeof key);
	memcpy(key, p->src, p->family == 4 ? 4 : 16);
	uint32_t b = addr_hash(key, (uint8_t)p->family) % t->nbuckets;
	struct ps_tracker *k;

	for (k = t->buckets[b]; k; k = k->next)
		if (k->family == p->family && memcmp(k->addr, key, 16) == 0)
			return k;
	k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	/* the sets are allocated on first use (tracker_sets) */
	memcpy(k->addr, key, 16);
	k->family = (uint8_t)p->family;
	k->window_start = k->last = p->ts;
	k->next = t->buckets[b];
	t->buckets[b] = k;
	t->count++;
	st->trackers_created++;
	return k;
}

/* Allocate the sets a packet kind needs; 0 on success. */
static int tracker_sets(struct ps_tracker *k, const struct ids_config *cfg, int tcp_syn)
{
	if (tcp_syn) {
		if (!k->ports)
			k->ports = calloc(cfg->portscan_ports, sizeof *k->ports);
		if (!k->hosts)
			k->hosts = calloc(cfg->portscan_hosts, sizeof *k->hosts);
		return k->ports && k->hosts ? 0 : -1;
	}
	if (!k->icmp_hosts)
		k->icmp_hosts = calloc(cfg->icmp_sweep_hosts, sizeof *k->icmp_hosts);
	return k->icmp_hosts ? 0 : -1;
}

/* Add to a bounded set; returns 1 when the set just became full. */
static int host_add(struct ps_addr *set, uint32_t *n, uint32_t cap, const uint8_t *a)
{
	for (uint32_t i = 0; i < *n; i++)
		if (memcmp(set[i].a, a, 16) == 0)
			return 0;
	if (*n >= cap)
		return 0;
	memcpy(set[*n].a, a, 16);
	return ++*n == cap;
}

static int port_add(uint16_t *set, uint32_t *n, uint32_t cap, uint16_t port)
{
	for (uint32_t i = 0; i < *n; i++)
		if (set[i] == port)
			return 0;
	if (*n >= cap)
		return 0;
	set[(*n)++] = port;
	return *n == cap;
}

int ps_packet(struct ps_table *t, const struct ids_pkt *p, const struct ids_config *cfg,
	      struct ids_stats *st, struct ps_event *ev)
{
	int tcp_syn = p->proto == IPPROTO_TCP && p->l4_ok && (p->tcp_flags & 0x12) == 0x02;
	int echo = p->l4_ok && ((p->proto == IPPROTO_ICMP && p->icmp_type == 8) ||
				(p->proto == IPPROTO_ICMPV6 && p->icmp_type == 128));
	int nev = 0;

	if (!tcp_syn && !echo)
		return 0;
	struct ps_tracker *k = tracker_get(t, p, st);
	if (!k || tracker_sets(k, cfg, tcp_syn) < 0)
		return 0;
	if (tv_diff(&p->ts, &k->window_start) > (double)cfg->portscan_window ||
	    tv_diff(&p->ts, &k->window_start) < -(double)cfg->portscan_window) {
		/* a new window (also when the clock stepped far back) */
		k->window_start = p->ts;
		k->nports = k->nhosts = k->nicmp = 0;
		k->syns = 0;
		k->alerted = 0;
	}
	if (tv_diff(&p->ts, &k->last) > 0)
		k->last = p->ts;
	uint8_t dst[16];
	memset(dst, 0, sizeof dst);
	memcpy(dst, p->dst, p->family == 4 ? 4 : 16);
	if (tcp_syn) {
		k->syns++;
		if (port_add(k->ports, &k->nports, cfg->portscan_ports, p->dport) &&
		    !(k->alerted & PS_ALERT_SCAN)) {
			k->alerted |= PS_ALERT_SCAN;
			ev[nev++] = (struct ps_event){ PS_SID_TCP_PORTSCAN, "(portscan) TCP Portscan" };
		}
		if (host_add(k->hosts, &k->nhosts, cfg->portscan_hosts, dst) &&
		    !(k->alerted & PS_ALERT_SWEEP)) {
			k->alerted |= PS_ALERT_SWEEP;
			ev[nev++] = (struct ps_event){ PS_SID_TCP_PORTSWEEP, "(portscan) TCP Portsweep" };
		}
	} else if (host_add(k->icmp_hosts, &k->nicmp, cfg->icmp_sweep_hosts, dst) &&
		   !(k->alerted & PS_ALERT_ICMP)) {
		k->alerted |= PS_ALERT_ICMP;
		ev[nev++] = (struct ps_event){ PS_SID_ICMP_SWEEP, "(portscan) ICMP Sweep" };
	}
	st->portscan_alerts += (uint64_t)nev;
	return nev;
}

void ps_sweep(struct ps_table *t, const struct timeval *now, const struct ids_config *cfg,
	      struct ids_stats *st)
{
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct ps_tracker **pp = &t->buckets[i];
		while (*pp) {
			struct ps_tracker *k = *pp;
			if (tv_diff(now, &k->last) > (double)cfg->portscan_window) {
				*pp = k->next;
				tracker_free(k);
				t->count--;
				st->trackers_expired++;
			} else {
				pp = &k->next;
			}
		}
	}
}
