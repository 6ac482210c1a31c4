/* detect.c — rule compilation into port groups with one Aho-Corasick automaton
 * each (Snort's fpcreate), and per-packet detection: prefilter, then full
 * verification of candidate rules (Snort's fpdetect + detection plugins). */
#include "ids.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GROUP_RULES 32768
#define MAX_PORTS_PER_RULE 32   /* wider port sets go to the generic group */
#define MAX_HITS 256            /* matched rules collected per packet */
#define SEARCH_BUDGET 20000     /* content-match steps per rule (bounded backtracking) */

/* ---------------------------------------------------------------- compilation */

static int group_add(struct port_group **gp, struct rule *r)
{
	struct port_group *g = *gp;
	if (!g) {
		g = calloc(1, sizeof *g);
		if (!g)
			return -1;
		*gp = g;
	}
	if (g->nrules >= MAX_GROUP_RULES)
		return -1;
	struct rule **n = realloc(g->rules, (g->nrules + 1) * sizeof *n);
	if (!n)
		return -1;
	g->rules = n;
	g->rules[g->nrules++] = r;
	return 0;
}

/* Ports a rule is pinned to: a small set of positive ports, else 0 ("wide"). */
static uint32_t pinned_ports(const struct port_spec *p)
{
	uint32_t n = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->entries[i].negated)
			return 0;
		n += (uint32_t)p->entries[i].hi - p->entries[i].lo + 1;
		if (n > MAX_PORTS_PER_RULE)
			return 0;
	}
	return n;
}

static int add_to_port_groups(struct port_group **table, const struct port_spec *p, struct rule *r)
{
	for (size_t i = 0; i < p->n; i++)
		for (uint32_t port = p->entries[i].lo; port <= p->entries[i].hi; port++)
			if (group_add(&table[port], r) < 0)
				return -1;
	return 0;
}

static int place_rule(struct ruleset *rs, struct rule *r)
{
	struct proto_groups *pg = &rs->groups[r->proto];

	if ((r->proto == RP_TCP || r->proto == RP_UDP) && !r->bidirectional) {
		if (pinned_ports(&r->dport))
			return add_to_port_groups(pg->by_dport, &r->dport, r);
		if (pinned_ports(&r->sport))
			return add_to_port_groups(pg->by_sport, &r->sport, r);
	}
	return group_add(&pg->generic, r);
}

static int group_build(struct ruleset *rs, struct port_group *g)
{
	if (!g || g->ac)
		return 0;
	g->ac = ac_new();
	if (!g->ac)
		return -1;
	for (uint32_t i = 0; i < g->nrules; i++) {
		struct rule *r = g->rules[i];
		if (r->fp_index >= 0) {
			/* Every positive content, not only the fast pattern: stream
			 * inspection scans just the newly added bytes, and a rule can
			 * only match if one of its positive contents ends there. */
			for (size_t k = 0; k < r->ncontents; k++) {
				const struct content *ct = &r->contents[k];
				if (!ct->negated && ac_add(g->ac, ct->pat, ct->len, i) < 0)
					return -1;
			}
		} else {
			struct rule **n = realloc(g->nocontent, (g->nnocontent + 1) * sizeof *n);
			if (!n)
				return -1;
			g->nocontent = n;
			g->nocontent[g->nnocontent++] = r;
		}
	}
	rs->ngroups++;
	rs->ac_states += g->ac->nstates;
	rs->ac_bytes += (uint64_t)g->ac->nstates * 256 * sizeof(int32_t);
	return ac_compile(g->ac);
}

int detect_compile(struct ruleset *rs, char *err, size_t errlen)
{
	for (int p = RP_TCP; p <= RP_UDP; p++) {
		rs->groups[p].by_dport = calloc(65536, sizeof(struct port_group *));
		rs->groups[p].by_sport = calloc(65536, sizeof(struct port_group *));
		if (!rs->groups[p].by_dport || !rs->groups[p].by_sport)
			goto oom;
	}
	for (struct rule *r = rs->rules; r; r = r->next)
		if (place_rule(rs, r) < 0)
			goto oom;
	for (int p = RP_IP; p <= RP_ICMP; p++) {
		struct proto_groups *pg = &rs->groups[p];
		if (group_build(rs, pg->generic) < 0)
			goto oom;
		for (uint32_t port = 0; pg->by_dport && port < 65536; port++)
			if (group_build(rs, pg->by_dport[port]) < 0 || group_build(rs, pg->by_sport[port]) < 0)
				goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory (or over %d rules in one port group) compiling rules",
		 MAX_GROUP_RULES);
	return -1;
}

static void group_free(struct port_group *g)
{
	if (!g)
		return;
	ac_free(g->ac);
	free(g->rules);
	free(g->nocontent);
	free(g);
}

void detect_free(struct ruleset *rs)
{
	for (int p = RP_IP; p <= RP_ICMP; p++) {
		struct proto_groups *pg = &rs->groups[p];
		group_free(pg->generic);
		pg->generic = NULL;
		for (uint32_t port = 0; pg->by_dport && port < 65536; port++) {
			group_free(pg->by_dport[port]);
			group_free(pg->by_sport[port]);
		}
		free(pg->by_dport);
		free(pg->by_sport);
		pg->by_dport = pg->by_sport = NULL;
	}
}

/* ---------------------------------------------------------------- content matching */

static int bytes_eq(const uint8_t *a, const uint8_t *pat, uint32_t n, int nocase)
{
	if (!nocase)
		return memcmp(a, pat, n) == 0;
	for (uint32_t i = 0; i < n; i++)
		if (ids_fold[a[i]] != ids_fold[pat[i]])
			return 0;
	return 1;
}

/* First occurrence of the content in buf[start, end), or -1. */
static int64_t find_from(const uint8_t *buf, int64_t start, int64_t end, const struct content *ct)
{
	if (end - start < (int64_t)ct->len)
		return -1;
	if (!ct->nocase) {
		/* memchr for the first byte, then compare (memmem is not C11) */
		int64_t last = end - (int64_t)ct->len;
		for (int64_t pos = start; pos <= last; pos++) {
			const uint8_t *hit = memchr(buf + pos, ct->pat[0], (size_t)(last - pos + 1));
			if (!hit)
				return -1;
			pos = hit - buf;
			if (memcmp(hit, ct->pat, ct->len) == 0)
				return pos;
		}
		return -1;
	}
	uint8_t first = ids_fold[ct->pat[0]];
	for (int64_t pos = start; pos + ct->len <= end; pos++)
		if (ids_fold[buf[pos]] == first && bytes_eq(buf + pos, ct->pat, ct->len, 1))
			return pos;
	return -1;
}

struct cmatch {
	const struct rule *r;
	const uint8_t *buf;
	uint32_t len;
	uint32_t new_start;
	int budget;
};

/* Window [start, end) where content i may lie, given the previous match end. */
static int content_window(const struct content *ct, uint32_t len, int64_t prev_end,
			  int64_t *start, int64_t *end)
{
	if (ct->mods & (CONTENT_HAS_DISTANCE | CONTENT_HAS_WITHIN)) {
		*start = prev_end + ct->distance;
		*end = (ct->mods & CONTENT_HAS_WITHIN) ? *start + ct->within : (int64_t)len;
	} else {
		*start = ct->offset;
		*end = (ct->mods & CONTENT_HAS_DEPTH) ? *start + ct->depth : (int64_t)len;
	}
	if (*start < 0)
		*start = 0;
	if (*end > (int64_t)len)
		*end = (int64_t)len;
	return *end - *start >= (int64_t)ct->len;
}

/* Snort's content chain with backtracking: a relative content that fails
 * makes the previous one retry at its next occurrence. A match counts only if
 * some positive content ends in the new bytes (past new_start), so data that
 * was already inspected does not alert twice. */
static int match_from(struct cmatch *m, size_t i, int64_t prev_end, int64_t max_end)
{
	if (i == m->r->ncontents)
		return max_end > (int64_t)m->new_start;
	const struct content *ct = &m->r->contents[i];
	int64_t start, end;
	int fits = content_window(ct, m->len, prev_end, &start, &end);

	if (ct->negated) {
		if (fits && find_from(m->buf, start, end, ct) >= 0)
			return 0;
		return match_from(m, i + 1, prev_end, max_end);
	}
	if (!fits)
		return 0;
	for (int64_t pos = start; (pos = find_from(m->buf, pos, end, ct)) >= 0; pos++) {
		if (--m->budget < 0)
			return 0;
		int64_t e = pos + ct->len;
		if (match_from(m, i + 1, e, e > max_end ? e : max_end))
			return 1;
	}
	return 0;
}

int content_search(const struct rule *r, const uint8_t *buf, uint32_t len, uint32_t new_start)
{
	struct cmatch m = { r, buf, len, new_start, SEARCH_BUDGET };
	int has_positive = 0;
	for (size_t i = 0; i < r->ncontents; i++)
		has_positive |= !r->contents[i].negated;
	/* only negated contents: judged on the whole buffer, once per packet */
	return match_from(&m, 0, 0, has_positive ? -1 : (int64_t)len + 1);
}

/* ---------------------------------------------------------------- rule verification */

static int proto_ok(const struct rule *r, const struct ids_pkt *p)
{
	switch (r->proto) {
	case RP_TCP: return p->proto == IPPROTO_TCP && p->l4_ok;
	case RP_UDP: return p->proto == IPPROTO_UDP && p->l4_ok;
	case RP_ICMP: return (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) && p->l4_ok;
	default: return 1;
	}
}

static int endpoints_ok(const struct rule *r, const struct ids_pkt *p)
{
	int ports = r->proto == RP_TCP || r->proto == RP_UDP;
	if (addr_match(&r->src, p->family, p->src) && addr_match(&r->dst, p->family, p->dst) &&
	    (!ports || (port_match(&r->sport, p->sport) && port_match(&r->dport, p->dport))))
		return 1;
	return r->bidirectional && addr_match(&r->src, p->family, p->dst) &&
	       addr_match(&r->dst, p->family, p->src) &&
	       (!ports || (port_match(&r->sport, p->dport) && port_match(&r->dport, p->sport)));
}

static int flags_ok(const struct rule *r, const struct ids_pkt *p)
{
	if (r->flags_mode == FLAGS_NONE)
		return 1;
	if (p->proto != IPPROTO_TCP || !p->l4_ok)
		return 0;
	uint8_t f = p->tcp_flags & (uint8_t)~r->flags_ignore;
	switch (r->flags_mode) {
	case FLAGS_EXACT: return f == r->flags_bits;
	case FLAGS_PLUS: return (f & r->flags_bits) == r->flags_bits;
	case FLAGS_ANY: return (f & r->flags_bits) != 0;
	case FLAGS_NOT: return (f & r->flags_bits) == 0;
	default: return 0;
	}
}

static int flow_ok(const struct rule *r, const struct detect_ctx *dc)
{
	if (r->flow_dir != FLOWDIR_ANY && (!dc->have_flow || dc->flow_dir != r->flow_dir))
		return 0;
	switch (r->flow_state) {
	case FLOWST_ESTABLISHED: return dc->have_flow && dc->established;
	case FLOWST_NOT_ESTABLISHED: return !(dc->have_flow && dc->established);
	default: return 1;
	}
}

static int dsize_ok(const struct rule *r, uint32_t n)
{
	switch (r->dsize_op) {
	case DSIZE_EQ: return n == r->dsize_lo;
	case DSIZE_LT: return n < r->dsize_lo;
	case DSIZE_GT: return n > r->dsize_lo;
	case DSIZE_RANGE: return n >= r->dsize_lo && n <= r->dsize_hi;
	default: return 1;
	}
}

int rule_verify(const struct rule *r, const struct detect_ctx *dc)
{
	const struct ids_pkt *p = dc->pkt;
	if (!proto_ok(r, p) || !endpoints_ok(r, p) || !flags_ok(r, p) || !flow_ok(r, dc))
		return 0;
	if (r->itype >= 0 && p->icmp_type != r->itype)
		return 0;
	if (r->icode >= 0 && p->icmp_code != r->icode)
		return 0;
	if (!dsize_ok(r, p->payload_len))
		return 0;
	if (r->ncontents == 0)
		return 1;
	return content_search(r, dc->buf, dc->len, dc->new_start);
}

/* ---------------------------------------------------------------- per packet */

struct hits {
	const struct rule *r[MAX_HITS];
	uint32_t n;
};

struct prefilter {
	uint8_t seen[MAX_GROUP_RULES / 8];
};

static void on_ac_hit(uint32_t slot, uint32_t end, void *arg)
{
	struct prefilter *pf = arg;
	(void)end;
	pf->seen[slot >> 3] |= (uint8_t)(1u << (slot & 7));
}

static void add_hit(struct hits *h, const struct rule *r)
{
	for (uint32_t i = 0; i < h->n; i++)
		if (h->r[i] == r)
			return;
	if (h->n < MAX_HITS)
		h->r[h->n++] = r;
}

static void group_eval(const struct port_group *g, const struct detect_ctx *dc, struct hits *h)
{
	struct prefilter pf;

	if (!g)
		return;
	for (uint32_t i = 0; i < g->nnocontent; i++)
		if (rule_verify(g->nocontent[i], dc))
			add_hit(h, g->nocontent[i]);
	if (!g->ac || g->ac->npatterns == 0 || dc->len == 0)
		return;
	memset(pf.seen, 0, g->nrules / 8 + 1);
	/* only occurrences ending in the new bytes can complete a match */
	uint32_t from = 0;
	if (dc->new_start >= g->ac->max_pattern)
		from = dc->new_start - (g->ac->max_pattern - 1);
	ac_search(g->ac, dc->buf + from, dc->len - from, on_ac_hit, &pf);
	for (uint32_t i = 0; i < g->nrules; i++)
		if ((pf.seen[i >> 3] >> (i & 7)) & 1)
			if (rule_verify(g->rules[i], dc))
				add_hit(h, g->rules[i]);
}

static int by_index(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a;
	const struct rule *y = *(const struct rule *const *)b;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Evaluates every group that may apply; a matching pass rule suppresses the
 * packet's other events (Snort's default pass-first order). Events go out in
 * rule-file order, at most max_events per packet. Returns events reported. */
int detect_packet(const struct ruleset *rs, const struct detect_ctx *dc, event_fn ev, void *arg)
{
	const struct ids_pkt *p = dc->pkt;
	struct hits h;
	h.n = 0;

	if (p->l4_ok && (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP)) {
		const struct proto_groups *pg = &rs->groups[p->proto == IPPROTO_TCP ? RP_TCP : RP_UDP];
		group_eval(pg->by_dport[p->dport], dc, &h);
		group_eval(pg->by_sport[p->sport], dc, &h);
		group_eval(pg->generic, dc, &h);
	} else if (p->l4_ok && (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6)) {
		group_eval(rs->groups[RP_ICMP].generic, dc, &h);
	}
	group_eval(rs->groups[RP_IP].generic, dc, &h);
	if (h.n == 0)
		return 0;
	qsort(h.r, h.n, sizeof h.r[0], by_index);
	for (uint32_t i = 0; i < h.n; i++)
		if (h.r[i]->action == ACT_PASS)
			return 0;
	int reported = 0;
	for (uint32_t i = 0; i < h.n && (uint32_t)reported < rs->config.max_events; i++) {
		reported += ev(h.r[i], p, arg);
	}
	return reported;
}
