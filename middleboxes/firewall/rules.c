/* rules.c — the firewall's rule set: parsing an ordered pf/iptables-like rule
 * file (first match wins) and matching a packet's tuple against it. */
#include "fw.h"
#include "mbox_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000000ull
#define MAX_RULES 256
#define MAX_WORDS 16

struct cfg_ctx {
    const char *path;
    int line;
};

static void cfg_fail(const struct cfg_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void cfg_fail(const struct cfg_ctx *ctx, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mbox_config_error(ctx->path, ctx->line, "%s", msg);
}

static const char *const state_names[FW_NSTATES] = {
    "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "TIME_WAIT", "CLOSED",
    "UDP_UNREPLIED", "UDP_REPLIED", "ICMP",
};

const char *fw_state_name(int state)
{
    return state >= 0 && state < FW_NSTATES ? state_names[state] : "?";
}

void fw_config_defaults(struct fw_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->policy = FW_BLOCK;
    /* nf_conntrack defaults, seconds. */
    static const uint64_t dflt[FW_NSTATES] = { 120, 60, 432000, 120, 60, 120, 10, 30, 120, 30 };
    for (int i = 0; i < FW_NSTATES; i++) cfg->timeout[i] = dflt[i] * SEC;
    cfg->sweep_interval = 1 * SEC;
    cfg->hash_size = 4096;
    cfg->max_states = 65536;
    cfg->window_check = 1; /* pf tracks sequence windows by default */
}

static unsigned long parse_uint(const struct cfg_ctx *ctx, const char *s, unsigned long lo, unsigned long hi,
                                const char *what)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi)
        cfg_fail(ctx, "bad %s '%s' (%lu..%lu)", what, s, lo, hi);
    return v;
}

/* "any", an IPv4 or IPv6 address, optionally "/len". IPv4 becomes v4-mapped. */
static void parse_cidr(const struct cfg_ctx *ctx, const char *s, struct fw_cidr *c)
{
    memset(c, 0, sizeof *c);
    if (strcmp(s, "any") == 0) return;
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (n >= sizeof buf) cfg_fail(ctx, "address '%s' too long", s);
    memcpy(buf, s, n);
    buf[n] = '\0';
    struct in_addr a4;
    if (inet_pton(AF_INET, buf, &a4) == 1) {
        c->addr[10] = 0xff;
        c->addr[11] = 0xff;
        memcpy(c->addr + 12, &a4, 4);
        c->plen = (uint8_t)(96 + (slash != NULL ? parse_uint(ctx, slash + 1, 0, 32, "IPv4 prefix length") : 32));
    } else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
        c->plen = (uint8_t)(slash != NULL ? parse_uint(ctx, slash + 1, 1, 128, "IPv6 prefix length") : 128);
    } else {
        cfg_fail(ctx, "bad address '%s' (any, IPv4 or IPv6, optional /len)", s);
    }
    for (int bit = c->plen; bit < 128; bit++)
        if (c->addr[bit / 8] & (0x80u >> (bit % 8))) cfg_fail(ctx, "'%s' has host bits set", s);
}

/* "80", "1024-65535" or "1024:65535". */
static void parse_ports(const struct cfg_ctx *ctx, char *s, struct fw_ports *p)
{
    char *sep = strpbrk(s, "-:");
    if (sep != NULL) *sep = '\0';
    p->lo = (uint16_t)parse_uint(ctx, s, 0, 65535, "port");
    p->hi = sep != NULL ? (uint16_t)parse_uint(ctx, sep + 1, p->lo, 65535, "port") : p->lo;
    p->set = 1;
}

static int parse_proto(const struct cfg_ctx *ctx, const char *s)
{
    if (strcmp(s, "tcp") == 0) return IPPROTO_TCP;
    if (strcmp(s, "udp") == 0) return IPPROTO_UDP;
    if (strcmp(s, "icmp") == 0) return IPPROTO_ICMP;
    if (strcmp(s, "icmp6") == 0) return IPPROTO_ICMPV6;
    if (strcmp(s, "ip") == 0 || strcmp(s, "any") == 0) return FW_PROTO_ANY;
    cfg_fail(ctx, "unknown protocol '%s' (tcp, udp, icmp, icmp6, ip)", s);
}

/* pass|block|allow|deny <proto> from <addr> [port P] to <addr> [port P] [keep state] */
static void parse_rule(const struct cfg_ctx *ctx, struct fw_config *cfg, char **w, int n)
{
    if (cfg->nrules == MAX_RULES) cfg_fail(ctx, "too many rules (max %d)", MAX_RULES);
    struct fw_rule *r = &cfg->rules[cfg->nrules];
    memset(r, 0, sizeof *r);
    r->number = cfg->nrules + 1;
    r->line = ctx->line;
    r->action = strcmp(w[0], "pass") == 0 || strcmp(w[0], "allow") == 0 ? FW_PASS : FW_BLOCK;
    int i = 1;
    if (i >= n) cfg_fail(ctx, "rule needs a protocol");
    r->proto = parse_proto(ctx, w[i++]);
    if (i + 1 >= n || strcmp(w[i], "from") != 0) cfg_fail(ctx, "expected 'from <addr>'");
    parse_cidr(ctx, w[i + 1], &r->src);
    i += 2;
    if (i + 1 < n && strcmp(w[i], "port") == 0) {
        parse_ports(ctx, w[i + 1], &r->sport);
        i += 2;
    }
    if (i + 1 >= n || strcmp(w[i], "to") != 0) cfg_fail(ctx, "expected 'to <addr>'");
    parse_cidr(ctx, w[i + 1], &r->dst);
    i += 2;
    if (i + 1 < n && strcmp(w[i], "port") == 0) {
        parse_ports(ctx, w[i + 1], &r->dport);
        i += 2;
    }
    if (i + 1 < n && strcmp(w[i], "keep") == 0 && strcmp(w[i + 1], "state") == 0) {
        if (r->action != FW_PASS) cfg_fail(ctx, "'keep state' only on pass rules");
        r->keep_state = 1;
        i += 2;
    }
    if (i != n) cfg_fail(ctx, "unexpected '%s'", w[i]);
    if ((r->sport.set || r->dport.set) && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
        cfg_fail(ctx, "ports need proto tcp or udp");
    cfg->nrules++;
}

static void parse_timeout(const struct cfg_ctx *ctx, struct fw_config *cfg, const char *name, const char *val)
{
    static const char *const names[FW_NSTATES] = {
        "tcp-syn-sent", "tcp-syn-recv", "tcp-established", "tcp-fin-wait", "tcp-close-wait",
        "tcp-time-wait", "tcp-close", "udp", "udp-stream", "icmp",
    };
    for (int i = 0; i < FW_NSTATES; i++)
        if (strcmp(name, names[i]) == 0) {
            cfg->timeout[i] = (uint64_t)parse_uint(ctx, val, 1, 10000000ul, "timeout (seconds)") * SEC;
            return;
        }
    cfg_fail(ctx, "unknown timeout '%s'", name);
}

static void parse_line(const struct cfg_ctx *ctx, struct fw_config *cfg, char **w, int n)
{
    /* pf's pass/block, or iptables-minded allow/deny. */
    if (strcmp(w[0], "pass") == 0 || strcmp(w[0], "block") == 0 || strcmp(w[0], "allow") == 0 ||
        strcmp(w[0], "deny") == 0) {
        parse_rule(ctx, cfg, w, n);
    } else if (strcmp(w[0], "policy") == 0 && n == 2) {
        if (strcmp(w[1], "pass") == 0) cfg->policy = FW_PASS;
        else if (strcmp(w[1], "block") == 0) cfg->policy = FW_BLOCK;
        else cfg_fail(ctx, "policy is pass or block");
    } else if (strcmp(w[0], "timeout") == 0 && n == 3) {
        parse_timeout(ctx, cfg, w[1], w[2]);
    } else if (strcmp(w[0], "sweep-interval") == 0 && n == 2) {
        cfg->sweep_interval = (uint64_t)parse_uint(ctx, w[1], 1, 3600, "sweep-interval (seconds)") * SEC;
    } else if (strcmp(w[0], "hash-size") == 0 && n == 2) {
        unsigned long v = parse_uint(ctx, w[1], 16, 1ul << 20, "hash-size");
        if ((v & (v - 1)) != 0) cfg_fail(ctx, "hash-size must be a power of two");
        cfg->hash_size = (uint32_t)v;
    } else if (strcmp(w[0], "tcp-window-check") == 0 && n == 2) {
        if (strcmp(w[1], "on") == 0) cfg->window_check = 1;
        else if (strcmp(w[1], "off") == 0) cfg->window_check = 0;
        else cfg_fail(ctx, "tcp-window-check is on or off");
    } else if (strcmp(w[0], "max-states") == 0 && n == 2) {
        cfg->max_states = (uint32_t)parse_uint(ctx, w[1], 1, 10000000ul, "max-states");
    } else {
        cfg_fail(ctx, "unknown or malformed directive '%s'", w[0]);
    }
}

void fw_config_load(const char *path, struct fw_config *cfg)
{
    struct cfg_ctx ctx = { path, 0 };
    FILE *f = fopen(path, "r");
    if (f == NULL) mbox_die("%s: cannot open config: %s", path, strerror(errno));
    cfg->rules = calloc(MAX_RULES, sizeof *cfg->rules);
    if (cfg->rules == NULL) mbox_die("out of memory");
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        ctx.line++;
        if (strchr(line, '\n') == NULL && !feof(f)) cfg_fail(&ctx, "line too long");
        char *w[MAX_WORDS];
        int n = 0;
        for (char *t = strtok(mbox_config_trim(line), " \t\r\n"); t != NULL; t = strtok(NULL, " \t\r\n")) {
            if (n == MAX_WORDS) cfg_fail(&ctx, "too many words");
            w[n++] = t;
        }
        if (n > 0) parse_line(&ctx, cfg, w, n);
    }
    fclose(f);
}

static int cidr_match(const struct fw_cidr *c, const uint8_t *a)
{
    int full = c->plen / 8, rest = c->plen % 8;
    if (memcmp(c->addr, a, (size_t)full) != 0) return 0;
    if (rest == 0) return 1;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (c->addr[full] & mask) == (a[full] & mask);
}

static int ports_match(const struct fw_ports *p, uint16_t port, int has_ports)
{
    if (!p->set) return 1;
    return has_ports && port >= p->lo && port <= p->hi; /* fragments never match port rules */
}

/* First matching rule. A TCP keep-state pass rule matches only a connection's
 * first SYN (pf's implicit "flags S/SA"), so mid-stream packets without state
 * fall through to later rules. */
struct fw_rule *fw_rules_match(struct fw_config *cfg, const struct fw_tuple *t, int tcp_syn_only)
{
    for (int i = 0; i < cfg->nrules; i++) {
        struct fw_rule *r = &cfg->rules[i];
        if (r->proto != FW_PROTO_ANY && r->proto != t->proto) continue;
        if (!cidr_match(&r->src, t->src) || !cidr_match(&r->dst, t->dst)) continue;
        if (!ports_match(&r->sport, t->sport, t->has_ports) || !ports_match(&r->dport, t->dport, t->has_ports))
            continue;
        if (r->keep_state && t->proto == IPPROTO_TCP && !tcp_syn_only) continue;
        return r;
    }
    return NULL;
}
