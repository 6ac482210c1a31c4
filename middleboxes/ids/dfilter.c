/* dfilter.c — detection_filter (Snort 2.9): a rule with
 * `detection_filter: track by_src|by_dst, count c, seconds s` reports only the
 * matches after the first c from one address within s seconds of the first. */
#include "dfilter.h"

#include <stdlib.h>
#include <string.h>

int df_table_init(struct df_table *t, uint32_t nbuckets)
{
	memset(t, 0, sizeof *t);
	t->buckets = calloc(nbuckets, sizeof *t->buckets);
	if (!t->buckets)
		return -1;
	t->nbuckets = nbuckets;
	return 0;
}

void df_table_free(struct df_table *t)
{
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct df_entry *e = t->buckets[i];
		while (e) {
			struct df_entry *n = e->next;
			free(e);
			e = n;
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof *t);
}

static uint32_t df_hash(uint32_t gid, uint32_t sid, const uint8_t *a, uint8_t family)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	h = (h ^ family) * 16777619u;
	h = (h ^ gid) * 16777619u;
	return (h ^ sid) * 16777619u;
}

static double tv_diff(const struct timeval *a, const struct timeval *b)
{
	return (double)(a->tv_sec - b->tv_sec) + (double)(a->tv_usec - b->tv_usec) / 1e6;
}

int df_allow(struct df_table *t, const struct rule *r, const struct ids_pkt *p)
{
	uint8_t key[16];
	const uint8_t *a = r->df_track == DF_BY_SRC ? p->src : p->dst;
	struct df_entry *e;

	if (r->df_track == DF_NONE)
		return 1;
	memset(key, 0, sizeof key);
	memcpy(key, a, p->family == 4 ? 4 : 16);
	uint32_t b = df_hash(r->gid, r->sid, key, (uint8_t)p->family) % t->nbuckets;
	for (e = t->buckets[b]; e; e = e->next)
		if (e->sid == r->sid && e->gid == r->gid && e->family == p->family && memcmp(e->addr, key, 16) == 0)
			break;
	if (!e) {
		e = calloc(1, sizeof *e);
		if (!e)
			return 1; /* out of memory: report rather than lose the event */
		e->gid = r->gid;
		e->sid = r->sid;
		e->family = (uint8_t)p->family;
		memcpy(e->addr, key, 16);
		e->window_start = p->ts;
		e->next = t->buckets[b];
		t->buckets[b] = e;
		t->count++;
	}
	double age = tv_diff(&p->ts, &e->window_start);
	if (age > (double)r->df_seconds || age < -(double)r->df_seconds) {
		e->window_start = p->ts;
		e->count = 0;
	}
	e->count++;
	return e->count > r->df_count;
}

/* The longest detection_filter window of the rule set bounds how long an
 * entry can matter; older ones are freed. */
void df_sweep(struct df_table *t, const struct timeval *now, const struct ruleset *rs)
{
	uint32_t longest = 0;
	for (const struct rule *r = rs->rules; r; r = r->next)
		if (r->df_track != DF_NONE && r->df_seconds > longest)
			longest = r->df_seconds;
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct df_entry **pp = &t->buckets[i];
		while (*pp) {
			struct df_entry *e = *pp;
			if (tv_diff(now, &e->window_start) > (double)longest) {
				*pp = e->next;
				free(e);
				t->count--;
			} else {
				pp = &e->next;
			}
		}
	}
}
