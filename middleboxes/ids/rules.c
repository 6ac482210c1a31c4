/* rules.c — parser for a subset of the Snort 2.9 rule language: var/ipvar/portvar,
 * config lines, and rule headers with options; errors name file:line:column. */
#include "ids.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VAR_DEPTH 8

/* Where we are in the rule file, so every error can name file:line:column. */
struct pctx {
	const char *file;
	int line;
	const char *linebuf;
	char *err;
	size_t errlen;
	struct ruleset *rs;
	const char *sid_at;      /* where the current rule's sid value is */
};

static int perr(struct pctx *c, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct pctx *c, const char *at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int col = at ? (int)(at - c->linebuf) + 1 : 1;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%d:%d: %s", c->file, c->line, col, msg);
	return -1;
}

void config_defaults(struct ids_config *c)
{
	c->tcp_timeout = 300;
	c->closed_timeout = 10;
	c->udp_timeout = 60;
	c->reassembly_window = 8192;
	c->max_flows = 65536;
	c->portscan_window = 60;
	c->portscan_ports = 20;
	c->portscan_hosts = 20;
	c->icmp_sweep_hosts = 10;
	c->max_events = 8;
}

/* ---------------------------------------------------------------- small helpers */

static char *xstrndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

static int is_ident(int ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

/* Parse a decimal in [lo, hi]; *endp is set past the digits. */
static int parse_uint(const char *s, const char **endp, long lo, long hi, long *out)
{
	long v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		if (v > hi)
			return -1;
		p++;
	}
	if (v < lo)
		return -1;
	*endp = p;
	*out = v;
	return 0;
}

static const struct var_def *var_find(const struct ruleset *rs, const char *name, size_t n)
{
	for (const struct var_def *v = rs->vars; v; v = v->next)
		if (strlen(v->name) == n && memcmp(v->name, name, n) == 0)
			return v;
	return NULL;
}

/* ---------------------------------------------------------------- addresses */

static int addr_push(struct addr_spec *a, const struct addr_entry *e)
{
	struct addr_entry *n = realloc(a->entries, (a->n + 1) * sizeof *n);
	if (!n)
		return -1;
	n[a->n++] = *e;
	a->entries = n;
	return 0;
}

/* `errat` is where errors point: inside a variable's value we point at `$NAME`. */
static int parse_addr(struct pctx *c, const char **sp, int negate, int depth,
		      struct addr_spec *out, const char *errat)
{
	const char *s = *sp;
	const char *at = errat ? errat : s;

	if (*s == '!') {
		negate = !negate;
		s++;
		at = errat ? errat : s;
	}
	if (*s == '[') {
		size_t first = out->n;
		s++;
		for (;;) {
			if (parse_addr(c, &s, negate, depth, out, errat) < 0)
				return -1;
			if (*s == ',') {
				s++;
				continue;
			}
			if (*s == ']') {
				s++;
				break;
			}
			return perr(c, errat ? errat : s, "expected ',' or ']' in address list");
		}
		if (negate)
			for (size_t i = first; i < out->n; i++)
				if (!out->entries[i].negated)
					return perr(c, at, "negated address list may not contain a negation");
		*sp = s;
		return 0;
	}
	if (*s == '$') {
		const char *name = ++s;
		while (is_ident(*s))
			s++;
		const struct var_def *v = var_find(c->rs, name, (size_t)(s - name));
		if (!v)
			return perr(c, errat ? errat : name - 1, "undefined variable $%.*s", (int)(s - name), name);
		if (depth >= MAX_VAR_DEPTH)
			return perr(c, errat ? errat : name - 1, "variables nested too deeply");
		const char *vs = v->value;
		if (parse_addr(c, &vs, negate, depth + 1, out, errat ? errat : name - 1) < 0)
			return -1;
		if (*vs != '\0')
			return perr(c, errat ? errat : name - 1, "trailing text in address variable $%s", v->name);
		*sp = s;
		return 0;
	}
	struct addr_entry e;
	memset(&e, 0, sizeof e);
	e.negated = (uint8_t)negate;
	if (strncmp(s, "any", 3) == 0 && !is_ident(s[3])) {
		if (negate)
			return perr(c, at, "'!any' matches nothing");
		e.family = 0;
		*sp = s + 3;
		return addr_push(out, &e) < 0 ? perr(c, at, "out of memory") : 0;
	}
	const char *b = s;
	while (isxdigit((unsigned char)*s) || *s == '.' || *s == ':')
		s++;
	char tmp[64];
	if (s == b || (size_t)(s - b) >= sizeof tmp)
		return perr(c, at, "expected an IP address, CIDR block, list, variable or 'any'");
	memcpy(tmp, b, (size_t)(s - b));
	tmp[s - b] = '\0';
	if (inet_pton(AF_INET, tmp, e.addr) == 1) {
		e.family = 4;
		e.bits = 32;
	} else if (inet_pton(AF_INET6, tmp, e.addr) == 1) {
		e.family = 6;
		e.bits = 128;
	} else {
		return perr(c, at, "bad IP address '%s'", tmp);
	}
	if (*s == '/') {
		long bits;
		const char *q;
		if (parse_uint(s + 1, &q, 0, e.family == 4 ? 32 : 128, &bits) < 0)
			return perr(c, errat ? errat : s + 1, "bad CIDR prefix length");
		e.bits = (uint8_t)bits;
		s = q;
	}
	*sp = s;
	return addr_push(out, &e) < 0 ? perr(c, at, "out of memory") : 0;
}

static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

int addr_match(const struct addr_spec *a, int family, const uint8_t *ip)
{
	int positives = 0, hit = 0;

	for (size_t i = 0; i < a->n; i++) {
		const struct addr_entry *e = &a->entries[i];
		int m = e->family == 0 || (e->family == family && prefix_match(e->addr, ip, e->bits));
		if (e->negated) {
			if (m)
				return 0;
		} else {
			positives = 1;
			hit |= m;
		}
	}
	return !positives || hit;
}

/* ---------------------------------------------------------------- ports */

static int port_push(struct port_spec *p, const struct port_entry *e)
{
	struct port_entry *n = realloc(p->entries, (p->n + 1) * sizeof *n);
	if (!n)
		return -1;
	n[p->n++] = *e;
	p->entries = n;
	return 0;
}

static int parse_port(struct pctx *c, const char **sp, int negate, int depth,
		      struct port_spec *out, const char *errat)
{
	const char *s = *sp;
	const char *at = errat ? errat : s;

	if (*s == '!') {
		negate = !negate;
		s++;
		at = errat ? errat : s;
	}
	if (*s == '[') {
		size_t first = out->n;
		s++;
		for (;;) {
			if (parse_port(c, &s, negate, depth, out, errat) < 0)
				return -1;
			if (*s == ',') {
				s++;
				continue;
			}
			if (*s == ']') {
				s++;
				break;
			}
			return perr(c, errat ? errat : s, "expected ',' or ']' in port list");
		}
		if (negate)
			for (size_t i = first; i < out->n; i++)
				if (!out->entries[i].negated)
					return perr(c, at, "negated port list may not contain a negation");
		*sp = s;
		return 0;
	}
	if (*s == '$') {
		const char *name = ++s;
		while (is_ident(*s))
			s++;
		const struct var_def *v = var_find(c->rs, name, (size_t)(s - name));
		if (!v)
			return perr(c, errat ? errat : name - 1, "undefined variable $%.*s", (int)(s - name), name);
		if (depth >= MAX_VAR_DEPTH)
			return perr(c, errat ? errat : name - 1, "variables nested too deeply");
		const char *vs = v->value;
		if (parse_port(c, &vs, negate, depth + 1, out, errat ? errat : name - 1) < 0)
			return -1;
		if (*vs != '\0')
			return perr(c, errat ? errat : name - 1, "trailing text in port variable $%s", v->name);
		*sp = s;
		return 0;
	}
	struct port_entry e = { 0, 65535, (uint8_t)negate };
	if (strncmp(s, "any", 3) == 0 && !is_ident(s[3])) {
		if (negate)
			return perr(c, at, "'!any' matches nothing");
		*sp = s + 3;
		return port_push(out, &e) < 0 ? perr(c, at, "out of memory") : 0;
	}
	long lo = 0, hi = 65535;
	const char *q = s;
	if (*s != ':') {
		if (parse_uint(s, &q, 0, 65535, &lo) < 0)
			return perr(c, at, "expected a port (0-65535), range, list, variable or 'any'");
		hi = lo;
	}
	if (*q == ':') {
		q++;
		hi = 65535;
		if (isdigit((unsigned char)*q) && parse_uint(q, &q, 0, 65535, &hi) < 0)
			return perr(c, errat ? errat : q, "port out of range (0-65535)");
		if (q == s + 1)
			return perr(c, at, "empty port range");
	}
	if (lo > hi)
		return perr(c, at, "port range %ld:%ld is empty", lo, hi);
	e.lo = (uint16_t)lo;
	e.hi = (uint16_t)hi;
	*sp = q;
	return port_push(out, &e) < 0 ? perr(c, at, "out of memory") : 0;
}

int port_match(const struct port_spec *p, uint16_t port)
{
	int positives = 0, hit = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct port_entry *e = &p->entries[i];
		int m = port >= e->lo && port <= e->hi;
		if (e->negated) {
			if (m)
				return 0;
		} else {
			positives = 1;
			hit |= m;
		}
	}
	return !positives || hit;
}

/* ---------------------------------------------------------------- option values */

/* A double-quoted string with Snort's escapes (\" \\ \; \:) and, when `hex`
 * is allowed, |41 42| byte runs. Returns the decoded bytes. */
static int parse_quoted(struct pctx *c, const char **sp, int hex, uint8_t **out, uint32_t *outlen)
{
	const char *s = *sp;
	size_t cap = strlen(s) + 1, n = 0;
	uint8_t *buf;
	int inhex = 0;

	if (*s != '"')
		return perr(c, s, "expected a double-quoted string");
	buf = malloc(cap);
	if (!buf)
		return perr(c, s, "out of memory");
	s++;
	for (;;) {
		if (*s == '\0') {
			free(buf);
			return perr(c, *sp, "unterminated string");
		}
		if (inhex) {
			if (*s == '|') {
				inhex = 0;
				s++;
			} else if (*s == ' ') {
				s++;
			} else if (isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1])) {
				char h[3] = { s[0], s[1], 0 };
				buf[n++] = (uint8_t)strtoul(h, NULL, 16);
				s += 2;
			} else {
				free(buf);
				return perr(c, s, "bad hex byte in |...| (two hex digits expected)");
			}
			continue;
		}
		if (*s == '"')
			break;
		if (*s == '\\') {
			if (s[1] == '"' || s[1] == '\\' || s[1] == ';' || s[1] == ':' || s[1] == '|') {
				buf[n++] = (uint8_t)s[1];
				s += 2;
				continue;
			}
			free(buf);
			return perr(c, s, "unknown escape '\\%c'", s[1] ? s[1] : ' ');
		}
		if (*s == '|' && hex) {
			inhex = 1;
			s++;
			continue;
		}
		if (*s == ';') {
			free(buf);
			return perr(c, s, "unescaped ';' inside a string");
		}
		buf[n++] = (uint8_t)*s++;
	}
	*sp = s + 1;
	*out = buf;
	*outlen = (uint32_t)n;
	return 0;
}

static int parse_int_opt(struct pctx *c, const char *v, long lo, long hi, long *out)
{
	const char *e;
	int neg = 0;
	const char *s = v;

	if (*s == '-' && lo < 0) {
		neg = 1;
		s++;
	}
	if (parse_uint(s, &e, 0, neg ? -lo : hi, out) < 0)
		return perr(c, v, "expected an integer in [%ld, %ld]", lo, hi);
	e = skip_ws(e);
	if (*e != '\0')
		return perr(c, e, "unexpected text after number");
	if (neg)
		*out = -*out;
	return 0;
}

static int flag_bit(char ch)
{
	switch (ch) {
	case 'F': return 0x01;
	case 'S': return 0x02;
	case 'R': return 0x04;
	case 'P': return 0x08;
	case 'A': return 0x10;
	case 'U': return 0x20;
	case 'E': case '2': return 0x40;
	case 'C': case '1': return 0x80;
	default: return -1;
	}
}

/* flags:[!|*|+]<FSRPAUEC120>[+|*|!][,<mask>] */
static int parse_flags(struct pctx *c, struct rule *r, const char *v)
{
	const char *s = v;
	r->flags_mode = FLAGS_EXACT;
	r->flags_bits = 0;
	if (*s == '!' || *s == '*' || *s == '+') {
		r->flags_mode = *s == '!' ? FLAGS_NOT : *s == '*' ? FLAGS_ANY : FLAGS_PLUS;
		s++;
	}
	if (*s == '0') {
		s++;
	} else {
		const char *b = s;
		while (*s && *s != ',' && *s != '+' && *s != '*' && *s != '!' && *s != ' ') {
			int bit = flag_bit(*s);
			if (bit < 0)
				return perr(c, s, "unknown TCP flag '%c'", *s);
			r->flags_bits |= (uint8_t)bit;
			s++;
		}
		if (s == b)
			return perr(c, s, "expected TCP flags");
	}
	if (*s == '!' || *s == '*' || *s == '+') {
		r->flags_mode = *s == '!' ? FLAGS_NOT : *s == '*' ? FLAGS_ANY : FLAGS_PLUS;
		s++;
	}
	if (*s == ',') {
		s++;
		const char *b = s;
		while (*s && *s != ' ') {
			int bit = flag_bit(*s);
			if (bit < 0)
				return perr(c, s, "unknown TCP flag '%c' in mask", *s);
			r->flags_ignore |= (uint8_t)bit;
			s++;
		}
		if (s == b)
			return perr(c, s, "empty flags mask");
	}
	s = skip_ws(s);
	if (*s)
		return perr(c, s, "unexpected text in flags");
	return 0;
}

static int parse_flow(struct pctx *c, struct rule *r, const char *v)
{
	const char *s = v;
	while (*s) {
		s = skip_ws(s);
		const char *b = s;
		while (*s && *s != ',' && *s != ' ')
			s++;
		size_t n = (size_t)(s - b);
#define IS(word) (n == strlen(word) && strncmp(b, word, n) == 0)
		if (IS("to_server") || IS("from_client"))
			r->flow_dir = FLOWDIR_TO_SERVER;
		else if (IS("to_client") || IS("from_server"))
			r->flow_dir = FLOWDIR_TO_CLIENT;
		else if (IS("established"))
			r->flow_state = FLOWST_ESTABLISHED;
		else if (IS("not_established"))
			r->flow_state = FLOWST_NOT_ESTABLISHED;
		else if (IS("stateless"))
			r->flow_state = FLOWST_STATELESS;
		else
			return perr(c, b, "unsupported flow keyword '%.*s'", (int)n, b);
#undef IS
		s = skip_ws(s);
		if (*s == ',')
			s++;
		else if (*s)
			return perr(c, s, "expected ',' in flow");
	}
	return 0;
}

static int parse_dsize(struct pctx *c, struct rule *r, const char *v)
{
	const char *s = v, *e;
	long a, b;

	if (*s == '<' || *s == '>') {
		r->dsize_op = *s == '<' ? DSIZE_LT : DSIZE_GT;
		s = skip_ws(s + 1);
		if (parse_uint(s, &e, 0, 65535, &a) < 0)
			return perr(c, s, "expected a size");
		r->dsize_lo = (uint32_t)a;
	} else {
		if (parse_uint(s, &e, 0, 65535, &a) < 0)
			return perr(c, s, "expected a size");
		r->dsize_op = DSIZE_EQ;
		r->dsize_lo = (uint32_t)a;
		if (e[0] == '<' && e[1] == '>') {
			s = e + 2;
			if (parse_uint(s, &e, 0, 65535, &b) < 0 || b < a)
				return perr(c, s, "expected an upper size >= the lower one");
			r->dsize_op = DSIZE_RANGE;
			r->dsize_hi = (uint32_t)b;
		}
	}
	e = skip_ws(e);
	if (*e)
		return perr(c, e, "unexpected text in dsize");
	return 0;
}

/* detection_filter: track by_src|by_dst, count N, seconds M (all three, any order) */
static int parse_detection_filter(struct pctx *c, struct rule *r, const char *v)
{
	const char *s = v;
	int seen = 0;

	while (*s) {
		s = skip_ws(s);
		const char *b = s;
		while (*s && *s != ' ' && *s != ',')
			s++;
		size_t n = (size_t)(s - b);
		s = skip_ws(s);
		const char *arg = s;
		while (*s && *s != ',' && *s != ' ')
			s++;
		size_t an = (size_t)(s - arg);
		long val;
		const char *e;
		if (n == 5 && strncmp(b, "track", 5) == 0) {
			if (an == 6 && strncmp(arg, "by_src", 6) == 0)
				r->df_track = DF_BY_SRC;
			else if (an == 6 && strncmp(arg, "by_dst", 6) == 0)
				r->df_track = DF_BY_DST;
			else
				return perr(c, arg, "detection_filter track must be by_src or by_dst");
			seen |= 1;
		} else if ((n == 5 && strncmp(b, "count", 5) == 0) || (n == 7 && strncmp(b, "seconds", 7) == 0)) {
			if (parse_uint(arg, &e, 1, 86400, &val) < 0 || e != s)
				return perr(c, arg, "expected a number in [1, 86400]");
			if (b[0] == 'c') {
				r->df_count = (uint32_t)val;
				seen |= 2;
			} else {
				r->df_seconds = (uint32_t)val;
				seen |= 4;
			}
		} else {
			return perr(c, b, "unknown detection_filter field '%.*s'", (int)n, b);
		}
		s = skip_ws(s);
		if (*s == ',')
			s++;
		else if (*s)
			return perr(c, s, "expected ',' in detection_filter");
	}
	if (seen != 7)
		return perr(c, v, "detection_filter needs track, count and seconds");
	return 0;
}

/* ---------------------------------------------------------------- rule options */

static struct content *last_content(struct rule *r)
{
	return r->ncontents ? &r->contents[r->ncontents - 1] : NULL;
}

static int add_content(struct pctx *c, struct rule *r, const char *v)
{
	struct content ct;
	const char *s = v;

	memset(&ct, 0, sizeof ct);
	if (*s == '!') {
		ct.negated = 1;
		s = skip_ws(s + 1);
	}
	if (parse_quoted(c, &s, 1, &ct.pat, &ct.len) < 0)
		return -1;
	s = skip_ws(s);
	if (*s) {
		free(ct.pat);
		return perr(c, s, "unexpected text after content string");
	}
	if (ct.len == 0) {
		free(ct.pat);
		return perr(c, v, "empty content");
	}
	struct content *n = realloc(r->contents, (r->ncontents + 1) * sizeof *n);
	if (!n) {
		free(ct.pat);
		return perr(c, v, "out of memory");
	}
	r->contents = n;
	r->contents[r->ncontents++] = ct;
	return 0;
}

static int content_modifier(struct pctx *c, struct rule *r, const char *name, const char *nameat,
			    const char *v, const char *vat)
{
	struct content *ct = last_content(r);
	long n;

	if (!ct)
		return perr(c, nameat, "'%s' must follow a content option", name);
	if (strcmp(name, "nocase") == 0) {
		ct->nocase = 1;
		return 0;
	}
	if (strcmp(name, "fast_pattern") == 0) {
		if (ct->negated)
			return perr(c, nameat, "fast_pattern cannot apply to a negated content");
		ct->fast_pattern = 1;
		return 0;
	}
	if (strcmp(name, "rawbytes") == 0)
		return 0;
	if (!v)
		return perr(c, nameat, "'%s' needs a value", name);
	if (strcmp(name, "offset") == 0 || strcmp(name, "distance") == 0) {
		if (parse_int_opt(c, v, -65535, 65535, &n) < 0)
			return -1;
	} else if (parse_int_opt(c, v, 1, 65535, &n) < 0) {
		return -1;
	}
	if (strcmp(name, "offset") == 0) {
		if (ct->mods & (CONTENT_HAS_DISTANCE | CONTENT_HAS_WITHIN))
			return perr(c, nameat, "offset cannot be mixed with distance/within on one content");
		ct->offset = (int32_t)n;
		ct->mods |= CONTENT_HAS_OFFSET;
	} else if (strcmp(name, "depth") == 0) {
		if (ct->mods & (CONTENT_HAS_DISTANCE | CONTENT_HAS_WITHIN))
			return perr(c, nameat, "depth cannot be mixed with distance/within on one content");
		if ((uint32_t)n < ct->len)
			return perr(c, vat, "depth %ld is shorter than the content (%u bytes)", n, ct->len);
		ct->depth = (int32_t)n;
		ct->mods |= CONTENT_HAS_DEPTH;
	} else if (strcmp(name, "distance") == 0) {
		if (ct->mods & (CONTENT_HAS_OFFSET | CONTENT_HAS_DEPTH))
			return perr(c, nameat, "distance cannot be mixed with offset/depth on one content");
		ct->distance = (int32_t)n;
		ct->mods |= CONTENT_HAS_DISTANCE;
	} else {
		if (ct->mods & (CONTENT_HAS_OFFSET | CONTENT_HAS_DEPTH))
			return perr(c, nameat, "within cannot be mixed with offset/depth on one content");
		if ((uint32_t)n < ct->len)
			return perr(c, vat, "within %ld is shorter than the content (%u bytes)", n, ct->len);
		ct->within = (int32_t)n;
		ct->mods |= CONTENT_HAS_WITHIN;
	}
	return 0;
}

static const struct classtype *classtype_find(const struct ruleset *rs, const char *name)
{
	for (const struct classtype *ct = rs->classtypes; ct; ct = ct->next)
		if (strcmp(ct->name, name) == 0)
			return ct;
	return NULL;
}

static int apply_option(struct pctx *c, struct rule *r, const char *name, const char *nameat,
			const char *v, const char *vat, int *have_sid, int *have_msg)
{
	long n;

	if (strcmp(name, "msg") == 0) {
		uint8_t *m;
		uint32_t ml;
		const char *s = v;
		if (!v)
			return perr(c, nameat, "msg needs a value");
		if (*have_msg)
			return perr(c, nameat, "duplicate msg");
		if (parse_quoted(c, &s, 0, &m, &ml) < 0)
			return -1;
		s = skip_ws(s);
		if (*s || memchr(m, 0, ml)) {
			free(m);
			return perr(c, s, "unexpected text after msg string");
		}
		r->msg = xstrndup((const char *)m, ml);
		free(m);
		*have_msg = 1;
		return r->msg ? 0 : perr(c, vat, "out of memory");
	}
	if (strcmp(name, "content") == 0) {
		if (!v)
			return perr(c, nameat, "content needs a value");
		return add_content(c, r, v);
	}
	if (!strcmp(name, "nocase") || !strcmp(name, "offset") || !strcmp(name, "depth") ||
	    !strcmp(name, "distance") || !strcmp(name, "within") || !strcmp(name, "fast_pattern") ||
	    !strcmp(name, "rawbytes"))
		return content_modifier(c, r, name, nameat, v, vat);
	if (!strcmp(name, "reference") || !strcmp(name, "metadata"))
		return 0; /* informational only, as for Snort's fast output */
	if (!v)
		return perr(c, nameat, "'%s' needs a value", name);
	if (strcmp(name, "sid") == 0) {
		if (parse_int_opt(c, v, 1, 4294967295L, &n) < 0)
			return -1;
		r->sid = (uint32_t)n;
		c->sid_at = v;
		*have_sid = 1;
	} else if (strcmp(name, "rev") == 0) {
		if (parse_int_opt(c, v, 1, 4294967295L, &n) < 0)
			return -1;
		r->rev = (uint32_t)n;
	} else if (strcmp(name, "gid") == 0) {
		if (parse_int_opt(c, v, 1, 4294967295L, &n) < 0)
			return -1;
		r->gid = (uint32_t)n;
	} else if (strcmp(name, "priority") == 0) {
		if (parse_int_opt(c, v, 1, 255, &n) < 0)
			return -1;
		r->priority = (int)n;
	} else if (strcmp(name, "classtype") == 0) {
		const struct classtype *ct = classtype_find(c->rs, v);
		if (!ct)
			return perr(c, vat, "unknown classtype '%s'", v);
		r->classtype = ct;
	} else if (strcmp(name, "flags") == 0) {
		return parse_flags(c, r, v);
	} else if (strcmp(name, "flow") == 0) {
		return parse_flow(c, r, v);
	} else if (strcmp(name, "itype") == 0) {
		if (parse_int_opt(c, v, 0, 255, &n) < 0)
			return -1;
		r->itype = (int)n;
	} else if (strcmp(name, "icode") == 0) {
		if (parse_int_opt(c, v, 0, 255, &n) < 0)
			return -1;
		r->icode = (int)n;
	} else if (strcmp(name, "dsize") == 0) {
		return parse_dsize(c, r, v);
	} else if (strcmp(name, "detection_filter") == 0) {
		return parse_detection_filter(c, r, v);
	} else {
		return perr(c, nameat, "unknown rule option '%s'", name);
	}
	return 0;
}

/* Split `name[:value];` pairs; values may hold quoted strings with ';'. */
static int parse_options(struct pctx *c, struct rule *r, char *s)
{
	int have_sid = 0, have_msg = 0;
	const char *open = s - 1;

	for (;;) {
		s = (char *)skip_ws(s);
		if (*s == ')')
			break;
		if (*s == '\0')
			return perr(c, s, "missing ')' at end of rule");
		char *name = s;
		while (is_ident(*s))
			s++;
		if (s == name)
			return perr(c, s, "expected a rule option name");
		char *nameend = s;
		s = (char *)skip_ws(s);
		char *val = NULL, *valend = NULL;
		if (*s == ':') {
			s = (char *)skip_ws(s + 1);
			val = s;
			int inq = 0;
			while (*s && (inq || (*s != ';' && *s != ')'))) {
				if (*s == '\\' && inq && s[1]) {
					s += 2;
					continue;
				}
				if (*s == '"')
					inq = !inq;
				s++;
			}
			if (inq || *s == '\0')
				return perr(c, val, "unterminated value (missing ';' or '\"')");
			if (*s == ')') {
				/* a ')' inside an unquoted value is an error unless it ends the rule */
				const char *t = skip_ws(s + 1);
				if (*t)
					return perr(c, s, "expected ';' after option value");
			}
			valend = s;
			while (valend > val && (valend[-1] == ' ' || valend[-1] == '\t'))
				valend--;
		}
		char sep = *s;
		if (sep != ';' && sep != ')')
			return perr(c, s, "expected ';' after rule option");
		char namebuf[32];
		size_t nl = (size_t)(nameend - name);
		if (nl >= sizeof namebuf)
			return perr(c, name, "rule option name too long");
		memcpy(namebuf, name, nl);
		namebuf[nl] = '\0';
		char saved = 0;
		if (valend) {
			saved = *valend;
			*valend = '\0';
		}
		int rc = apply_option(c, r, namebuf, name, val, val, &have_sid, &have_msg);
		if (valend)
			*valend = saved;
		if (rc < 0)
			return -1;
		if (sep == ')')
			break;
		s++;
	}
	const char *t = skip_ws(s + 1);
	if (*t)
		return perr(c, t, "text after the closing ')'");
	if (!have_sid)
		return perr(c, open, "rule has no sid");
	if (!have_msg)
		return perr(c, open, "rule has no msg");
	return 0;
}

/* ---------------------------------------------------------------- rule header */

static char *next_token(char **sp)
{
	char *s = (char *)skip_ws(*sp);
	char *b = s;
	if (*s == '\0' || *s == '(')
		return NULL;
	while (*s && *s != ' ' && *s != '\t' && *s != '(')
		s++;
	if (*s == ' ' || *s == '\t')
		*s++ = '\0';
	else if (*s == '(') {
		/* leave '(' for the caller; terminate the token without eating it */
		memmove(s + 1, s, strlen(s) + 1);
		*s++ = '\0';
	}
	*sp = s;
	return b;
}

static void rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->src.entries);
	free(r->dst.entries);
	free(r->sport.entries);
	free(r->dport.entries);
	free(r->msg);
	for (size_t i = 0; i < r->ncontents; i++)
		free(r->contents[i].pat);
	free(r->contents);
	free(r);
}

static int choose_fast_pattern(struct rule *r)
{
	int best = -1;
	for (size_t i = 0; i < r->ncontents; i++) {
		const struct content *ct = &r->contents[i];
		if (ct->negated)
			continue;
		if (ct->fast_pattern)
			return (int)i;
		if (best < 0 || ct->len > r->contents[best].len)
			best = (int)i;
	}
	return best;
}

/* Parses in place in the line buffer that column numbers are computed from;
 * only a token glued to '(' shifts the rest of the line by one byte. */
static int parse_rule(struct pctx *c, char *line, struct rule **out)
{
	struct rule *r = calloc(1, sizeof *r);
	char *s = line;
	char *tok;
	const char *what[] = { "action", "protocol", "source address", "source port",
			       "direction", "destination address", "destination port" };
	char *toks[7];

	if (!r)
		return perr(c, line, "out of memory");
	r->gid = 1;
	r->rev = 1;
	r->itype = r->icode = -1;
	r->file = c->file;
	r->line = c->line;
	for (int i = 0; i < 7; i++) {
		tok = next_token(&s);
		if (!tok) {
			rule_free(r);
			return perr(c, skip_ws(s), "rule header is missing the %s", what[i]);
		}
		toks[i] = tok;
	}
	/* after next_token's shim the copy is one byte longer than the original
	 * past the '('; columns before it are exact, which covers header errors */
	if (!strcmp(toks[0], "alert"))
		r->action = ACT_ALERT;
	else if (!strcmp(toks[0], "log"))
		r->action = ACT_LOG;
	else if (!strcmp(toks[0], "pass"))
		r->action = ACT_PASS;
	else {
		rule_free(r);
		return perr(c, toks[0], "unknown action '%s' (alert, log, pass)", toks[0]);
	}
	if (!strcmp(toks[1], "tcp"))
		r->proto = RP_TCP;
	else if (!strcmp(toks[1], "udp"))
		r->proto = RP_UDP;
	else if (!strcmp(toks[1], "icmp"))
		r->proto = RP_ICMP;
	else if (!strcmp(toks[1], "ip"))
		r->proto = RP_IP;
	else {
		rule_free(r);
		return perr(c, toks[1], "unknown protocol '%s' (tcp, udp, icmp, ip)", toks[1]);
	}
	const char *p = toks[2];
	if (parse_addr(c, &p, 0, 0, &r->src, NULL) < 0 || (*p && perr(c, p, "unexpected text in address") < 0))
		goto fail;
	p = toks[3];
	if (parse_port(c, &p, 0, 0, &r->sport, NULL) < 0 || (*p && perr(c, p, "unexpected text in port") < 0))
		goto fail;
	if (!strcmp(toks[4], "->"))
		r->bidirectional = 0;
	else if (!strcmp(toks[4], "<>"))
		r->bidirectional = 1;
	else {
		perr(c, toks[4], "bad direction '%s' (-> or <>)", toks[4]);
		goto fail;
	}
	p = toks[5];
	if (parse_addr(c, &p, 0, 0, &r->dst, NULL) < 0 || (*p && perr(c, p, "unexpected text in address") < 0))
		goto fail;
	p = toks[6];
	if (parse_port(c, &p, 0, 0, &r->dport, NULL) < 0 || (*p && perr(c, p, "unexpected text in port") < 0))
		goto fail;
	s = (char *)skip_ws(s);
	if (*s != '(') {
		perr(c, s, "expected '(' to open the rule options");
		goto fail;
	}
	if (parse_options(c, r, s + 1) < 0)
		goto fail;
	r->fp_index = choose_fast_pattern(r);
	if (r->priority == 0)
		r->priority = r->classtype ? r->classtype->priority : 3;
	*out = r;
	return 0;
fail:
	rule_free(r);
	return -1;
}

/* ---------------------------------------------------------------- directives */

static int parse_var(struct pctx *c, char *s)
{
	s = (char *)skip_ws(s);
	char *name = s;
	while (is_ident(*s))
		s++;
	if (s == name || (*s != ' ' && *s != '\t'))
		return perr(c, s, "expected: var NAME VALUE");
	char *nameend = s;
	s = (char *)skip_ws(s);
	char *val = s;
	char *e = val + strlen(val);
	while (e > val && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (e == val)
		return perr(c, s, "variable %.*s has no value", (int)(nameend - name), name);
	for (char *q = val; q < e; q++)
		if (*q == ' ' || *q == '\t')
			return perr(c, q, "spaces are not allowed inside a variable value");
	if (var_find(c->rs, name, (size_t)(nameend - name)))
		return perr(c, name, "variable %.*s redefined", (int)(nameend - name), name);
	struct var_def *v = calloc(1, sizeof *v);
	if (!v)
		return perr(c, name, "out of memory");
	v->name = xstrndup(name, (size_t)(nameend - name));
	v->value = xstrndup(val, (size_t)(e - val));
	if (!v->name || !v->value) {
		free(v->name);
		free(v->value);
		free(v);
		return perr(c, name, "out of memory");
	}
	v->next = c->rs->vars;
	c->rs->vars = v;
	return 0;
}

static int parse_classification(struct pctx *c, char *s)
{
	/* config classification: shortname,short description,priority */
	char *f[3];
	for (int i = 0; i < 3; i++) {
		s = (char *)skip_ws(s);
		f[i] = s;
		while (*s && (i == 2 || *s != ','))
			s++;
		if (i < 2) {
			if (*s != ',')
				return perr(c, s, "expected: config classification: name,description,priority");
			*s++ = '\0';
		}
	}
	char *e = f[2] + strlen(f[2]);
	while (e > f[2] && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	long prio;
	if (parse_int_opt(c, f[2], 1, 255, &prio) < 0)
		return -1;
	if (!*f[0])
		return perr(c, f[0], "empty classification name");
	if (classtype_find(c->rs, f[0]))
		return perr(c, f[0], "classification '%s' redefined", f[0]);
	struct classtype *ct = calloc(1, sizeof *ct);
	if (!ct)
		return perr(c, f[0], "out of memory");
	ct->name = strdup(f[0]);
	ct->desc = strdup(f[1]);
	ct->priority = (int)prio;
	if (!ct->name || !ct->desc) {
		free(ct->name);
		free(ct->desc);
		free(ct);
		return perr(c, f[0], "out of memory");
	}
	/* append to keep file order */
	struct classtype **tail = &c->rs->classtypes;
	while (*tail)
		tail = &(*tail)->next;
	*tail = ct;
	return 0;
}

static int parse_config(struct pctx *c, char *s)
{
	s = (char *)skip_ws(s);
	char *name = s;
	while (is_ident(*s))
		s++;
	char *nameend = s;
	s = (char *)skip_ws(s);
	if (*s != ':')
		return perr(c, s, "expected ':' after config name");
	*nameend = '\0';
	s = (char *)skip_ws(s + 1);
	if (strcmp(name, "classification") == 0)
		return parse_classification(c, s);
	struct { const char *name; uint32_t *field; long lo, hi; } knobs[] = {
		{ "tcp_timeout", &c->rs->config.tcp_timeout, 1, 86400 },
		{ "closed_timeout", &c->rs->config.closed_timeout, 1, 86400 },
		{ "udp_timeout", &c->rs->config.udp_timeout, 1, 86400 },
		{ "reassembly_window", &c->rs->config.reassembly_window, 256, 1048576 },
		{ "max_flows", &c->rs->config.max_flows, 16, 4000000 },
		{ "portscan_window", &c->rs->config.portscan_window, 1, 86400 },
		{ "portscan_ports", &c->rs->config.portscan_ports, 2, 1024 },
		{ "portscan_hosts", &c->rs->config.portscan_hosts, 2, 1024 },
		{ "icmp_sweep_hosts", &c->rs->config.icmp_sweep_hosts, 2, 1024 },
		{ "max_events", &c->rs->config.max_events, 1, 64 },
	};
	for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
		if (strcmp(name, knobs[i].name) == 0) {
			char *e = s + strlen(s);
			while (e > s && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\n'))
				*--e = '\0';
			long v;
			if (parse_int_opt(c, s, knobs[i].lo, knobs[i].hi, &v) < 0)
				return -1;
			*knobs[i].field = (uint32_t)v;
			return 0;
		}
	}
	return perr(c, name, "unknown config '%s'", name);
}

/* ---------------------------------------------------------------- file */

static int parse_line(struct pctx *c, char *line, struct rule ***tail)
{
	char *s = (char *)skip_ws(line);
	if (*s == '\0' || *s == '#')
		return 0;
	if (!strncmp(s, "var ", 4) || !strncmp(s, "ipvar ", 6) || !strncmp(s, "portvar ", 8))
		return parse_var(c, strchr(s, ' '));
	if (!strncmp(s, "config ", 7))
		return parse_config(c, s + 7);
	struct rule *r = NULL;
	if (parse_rule(c, s, &r) < 0)
		return -1;
	for (const struct rule *o = c->rs->rules; o; o = o->next)
		if (o->gid == r->gid && o->sid == r->sid) {
			rule_free(r);
			return perr(c, c->sid_at, "duplicate sid %u (first at line %d)", o->sid, o->line);
		}
	r->index = c->rs->nrules++;
	**tail = r;
	*tail = &r->next;
	return 0;
}

int rules_load(struct ruleset *rs, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct pctx c = { path, 0, NULL, err, errlen, rs, NULL };
	char *line = NULL, *work = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	struct rule **tail = &rs->rules;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (*tail)
		tail = &(*tail)->next;
	while ((n = getline(&line, &cap, f)) >= 0) {
		c.line++;
		if (memchr(line, '\0', (size_t)n)) {
			perr(&c, NULL, "NUL byte in rule file");
			rc = -1;
			break;
		}
		/* tokenising may grow the line by one byte; parse a roomy copy and
		 * point column math at it */
		free(work);
		work = malloc((size_t)n + 2);
		if (!work) {
			perr(&c, NULL, "out of memory");
			rc = -1;
			break;
		}
		memcpy(work, line, (size_t)n + 1);
		c.linebuf = work;
		if (parse_line(&c, work, &tail) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	free(line);
	free(work);
	fclose(f);
	return rc;
}

void rules_free(struct ruleset *rs)
{
	struct rule *r = rs->rules;
	while (r) {
		struct rule *n = r->next;
		rule_free(r);
		r = n;
	}
	rs->rules = NULL;
	struct classtype *ct = rs->classtypes;
	while (ct) {
		struct classtype *n = ct->next;
		free(ct->name);
		free(ct->desc);
		free(ct);
		ct = n;
	}
	rs->classtypes = NULL;
	struct var_def *v = rs->vars;
	while (v) {
		struct var_def *n = v->next;
		free(v->name);
		free(v->value);
		free(v);
		v = n;
	}
	rs->vars = NULL;
}
