/* stream.c — flow table, TCP state tracking and bounded in-order reassembly
 * (a small stream5): out-of-order segments are not held; they are inspected
 * on their own and counted as dropped from reassembly. */
#include "stream.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

int flow_table_init(struct flow_table *t, uint32_t nbuckets)
{
	memset(t, 0, sizeof *t);
	t->buckets = calloc(nbuckets, sizeof *t->buckets);
	if (!t->buckets)
		return -1;
	t->nbuckets = nbuckets;
	return 0;
}

static void flow_free(struct flow *f)
{
	free(f->dir[0].buf);
	free(f->dir[1].buf);
	free(f);
}

void flow_table_free(struct flow_table *t)
{
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct flow *f = t->buckets[i];
		while (f) {
			struct flow *n = f->next;
			flow_free(f);
			f = n;
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof *t);
}

/* Direction-normalised key; returns 1 when the packet's source is the "lo" side. */
static int make_key(const struct ids_pkt *p, struct flow_key *k)
{
	size_t alen = p->family == 4 ? 4 : 16;
	int c = memcmp(p->src, p->dst, alen);
	int src_lo = c < 0 || (c == 0 && p->sport <= p->dport);

	memset(k, 0, sizeof *k);
	k->proto = p->proto;
	k->family = (uint8_t)p->family;
	memcpy(k->lo_addr, src_lo ? p->src : p->dst, alen);
	memcpy(k->hi_addr, src_lo ? p->dst : p->src, alen);
	k->lo_port = src_lo ? p->sport : p->dport;
	k->hi_port = src_lo ? p->dport : p->sport;
	return src_lo;
}

/* FNV-1a over the key's values (never addresses of objects). */
static uint32_t key_hash(const struct flow_key *k)
{
	uint32_t h = 2166136261u;
	const uint8_t *parts[2] = { k->lo_addr, k->hi_addr };
	for (int j = 0; j < 2; j++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[j][i]) * 16777619u;
	uint8_t tail[6] = { (uint8_t)(k->lo_port >> 8), (uint8_t)k->lo_port, (uint8_t)(k->hi_port >> 8),
			    (uint8_t)k->hi_port, k->proto, k->family };
	for (int i = 0; i < 6; i++)
		h = (h ^ tail[i]) * 16777619u;
	return h;
}

static int key_eq(const struct flow_key *a, const struct flow_key *b)
{
	return a->proto == b->proto && a->family == b->family && a->lo_port == b->lo_port &&
	       a->hi_port == b->hi_port && memcmp(a->lo_addr, b->lo_addr, 16) == 0 &&
	       memcmp(a->hi_addr, b->hi_addr, 16) == 0;
}

static double tv_diff(const struct timeval *a, const struct timeval *b)
{
	return (double)(a->tv_sec - b->tv_sec) + (double)(a->tv_usec - b->tv_usec) / 1e6;
}

/* (Re)start a flow from its first packet: who is the client, which state. */
static void flow_begin(struct flow *f, const struct ids_pkt *p, int src_lo, struct ids_stats *st)
{
	struct flow_key key = f->key;
	struct flow *next = f->next;
	uint8_t *bufs[2] = { f->dir[0].buf, f->dir[1].buf };
	uint32_t caps[2] = { f->dir[0].cap, f->dir[1].cap };

	memset(f, 0, sizeof *f);
	f->key = key;
	f->next = next;
	for (int d = 0; d < 2; d++) {
		f->dir[d].buf = bufs[d];
		f->dir[d].cap = caps[d];
	}
	f->start = f->last = p->ts;
	f->client_is_lo = (uint8_t)src_lo;
	if (p->proto == IPPROTO_UDP) {
		f->state = TS_UDP;
	} else if ((p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		f->state = TS_SYN_SENT;
		f->dir[0].next_seq = p->seq + 1;
		f->dir[0].seq_valid = 1;
	} else if ((p->tcp_flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
		/* we missed the SYN: the sender is the server */
		f->client_is_lo = (uint8_t)!src_lo;
		f->state = TS_SYN_RCVD;
		f->dir[1].next_seq = p->seq + 1;
		f->dir[1].seq_valid = 1;
		f->seen_reply = 1;
	} else {
		f->state = TS_MIDSTREAM;
		st->midstream++;
	}
}

struct flow *stream_get(struct flow_table *t, const struct ids_pkt *p, const struct ids_config *cfg,
			struct ids_stats *st, int *dir)
{
	struct flow_key k;
	int src_lo = make_key(p, &k);
	uint32_t b = key_hash(&k) % t->nbuckets;
	struct flow *f;

	for (f = t->buckets[b]; f; f = f->next)
		if (key_eq(&f->key, &k))
			break;
	if (f && p->proto == IPPROTO_TCP && f->state == TS_CLOSED &&
	    (p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		/* a new connection reusing the 5-tuple */
		flow_begin(f, p, src_lo, st);
		st->flows_reused++;
	}
	if (!f) {
		if (t->count >= cfg->max_flows) {
			stream_sweep(t, &p->ts, cfg, st);
			if (t->count >= cfg->max_flows) {
				st->flows_refused++;
				return NULL;
			}
		}
		f = calloc(1, sizeof *f);
		if (!f) {
			st->flows_refused++;
			return NULL;
		}
		f->key = k;
		f->next = t->buckets[b];
		t->buckets[b] = f;
		t->count++;
		st->flows_created++;
		flow_begin(f, p, src_lo, st);
	}
	*dir = src_lo == f->client_is_lo ? 0 : 1;
	if (*dir == 1)
		f->seen_reply = 1;
	f->pkts[*dir]++;
	/* timestamps may step backwards; idle time counts from the latest */
	if (tv_diff(&p->ts, &f->last) > 0)
		f->last = p->ts;
	return f;
}

int stream_established(const struct flow *f)
{
	if (f->state == TS_UDP)
		return f->seen_reply;
	return f->state == TS_ESTABLISHED || f->state == TS_CLOSING;
}

static void track_state(struct flow *f, int dir, const struct ids_pkt *p)
{
	uint8_t fl = p->tcp_flags;

	if (fl & TH_RST) {
		f->state = TS_CLOSED;
		return;
	}
	switch (f->state) {
	case TS_SYN_SENT:
		if (dir == 1 && (fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
			f->state = TS_SYN_RCVD;
			f->dir[1].next_seq = p->seq + 1;
			f->dir[1].seq_valid = 1;
		}
		break;
	case TS_SYN_RCVD:
		if (dir == 0 && (fl & (TH_SYN | TH_ACK)) == TH_ACK)
			f->state = TS_ESTABLISHED;
		break;
	default:
		break;
	}
	if (fl & TH_FIN) {
		f->dir[dir].fin_seen = 1;
		if (f->state == TS_ESTABLISHED)
			f->state = TS_CLOSING;
		if (f->dir[0].fin_seen && f->dir[1].fin_seen)
			f->state = TS_CLOSED;
	}
}

static int ensure_buf(struct stream_dir *sd, uint32_t window)
{
	if (sd->buf)
		return 0;
	sd->buf = malloc(window);
	if (!sd->buf)
		return -1;
	sd->cap = window;
	sd->len = 0;
	return 0;
}

/* Append in-order bytes; a turn change (data from the other side) ends the
 * other side's PDU, as Snort flushes a direction when the peer responds. */
static void reassemble(struct flow *f, int dir, const struct ids_pkt *p, const struct ids_config *cfg,
		       struct ids_stats *st, struct inspect *out)
{
	struct stream_dir *sd = &f->dir[dir];
	uint32_t n = p->payload_len;
	uint32_t seq = p->seq + ((p->tcp_flags & TH_SYN) ? 1u : 0u);

	if (!sd->seq_valid) {
		sd->next_seq = seq;
		sd->seq_valid = 1;
	}
	int32_t diff = (int32_t)(seq - sd->next_seq);
	if (diff > 0) {
		/* a gap: not held; inspect the segment alone */
		sd->ooo_dropped++;
		st->ooo_dropped++;
		return;
	}
	uint32_t skip = (uint32_t)(-(int64_t)diff);
	if (skip >= n) {
		st->retransmits++;
		out->len = 0;
		out->new_start = 0;
		return;
	}
	const uint8_t *data = p->payload + skip;
	uint32_t m = n - skip;
	sd->next_seq += m;
	sd->bytes += m;
	st->reassembled_bytes += m;
	f->dir[!dir].len = 0;
	if (ensure_buf(sd, cfg->reassembly_window) < 0) {
		out->buf = data;
		out->len = m;
		out->new_start = 0;
		return;
	}
	if (m >= sd->cap) {
		memcpy(sd->buf, data + (m - sd->cap), sd->cap);
		sd->len = sd->cap;
		out->buf = data;
		out->len = m;
		out->new_start = 0;
		st->window_slides++;
		return;
	}
	if (sd->len + m > sd->cap) {
		uint32_t drop = sd->len + m - sd->cap;
		memmove(sd->buf, sd->buf + drop, sd->len - drop);
		sd->len -= drop;
		st->window_slides++;
	}
	out->new_start = sd->len;
	memcpy(sd->buf + sd->len, data, m);
	sd->len += m;
	out->buf = sd->buf;
	out->len = sd->len;
}

void stream_tcp(struct flow *f, int dir, const struct ids_pkt *p, const struct ids_config *cfg,
		struct ids_stats *st, struct inspect *out)
{
	out->buf = p->payload;
	out->len = p->payload_len;
	out->new_start = 0;
	/* data is reassembled before FIN/RST closes the flow, so the last
	 * segment's bytes are still inspected */
	if (p->payload_len > 0 && p->payload)
		reassemble(f, dir, p, cfg, st, out);
	track_state(f, dir, p);
}

static uint32_t timeout_of(const struct flow *f, const struct ids_config *cfg)
{
	if (f->state == TS_UDP)
		return cfg->udp_timeout;
	if (f->state == TS_CLOSED)
		return cfg->closed_timeout;
	return cfg->tcp_timeout;
}

void stream_sweep(struct flow_table *t, const struct timeval *now, const struct ids_config *cfg,
		  struct ids_stats *st)
{
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct flow **pp = &t->buckets[i];
		while (*pp) {
			struct flow *f = *pp;
			if (tv_diff(now, &f->last) > (double)timeout_of(f, cfg)) {
				*pp = f->next;
				flow_free(f);
				t->count--;
				st->flows_expired++;
			} else {
				pp = &f->next;
			}
		}
	}
}
