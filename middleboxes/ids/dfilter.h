/* dfilter.h — Snort's detection_filter state: per (rule, tracked address)
 * match counts within a time window; a rule alerts only past its count. */
#ifndef IDS_DFILTER_H
#define IDS_DFILTER_H

#include "ids.h"
#include "stream.h"

struct df_entry {
	uint32_t gid, sid;
	uint8_t addr[16];
	uint8_t family;
	struct timeval window_start;
	uint32_t count;             /* matches in the current window */
	struct df_entry *next;
};

struct df_table {
	struct df_entry **buckets;
	uint32_t nbuckets;
	uint32_t count;
};

int df_table_init(struct df_table *t, uint32_t nbuckets);
void df_table_free(struct df_table *t);
/* Count one match of `r` by this packet; 1 when the event may be reported. */
int df_allow(struct df_table *t, const struct rule *r, const struct ids_pkt *p);
/* Drop entries whose window ended (packet time). */
void df_sweep(struct df_table *t, const struct timeval *now, const struct ruleset *rs);

#endif
