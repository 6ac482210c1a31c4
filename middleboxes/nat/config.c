/* config.c — parses the NAT configuration: inside prefixes, the public
 * (masquerade) address, the port range and netfilter-named timeouts in seconds. */
#include "nat.h"
#include "mbox_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000000ull

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

void nat_config_defaults(struct nat_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->port_lo = 1024;
    cfg->port_hi = 65535;
    /* nf_conntrack_tcp_timeout_* defaults (Documentation/networking/nf_conntrack-sysctl). */
    cfg->tcp_timeout[NAT_TCP_NONE] = 30 * SEC;
    cfg->tcp_timeout[NAT_TCP_SYN_SENT] = 120 * SEC;
    cfg->tcp_timeout[NAT_TCP_SYN_RECV] = 60 * SEC;
    cfg->tcp_timeout[NAT_TCP_ESTABLISHED] = 432000 * SEC;
    cfg->tcp_timeout[NAT_TCP_FIN_WAIT] = 120 * SEC;
    cfg->tcp_timeout[NAT_TCP_TIME_WAIT] = 120 * SEC;
    cfg->tcp_timeout[NAT_TCP_CLOSE] = 10 * SEC;
    cfg->udp_timeout = 30 * SEC;
    cfg->udp_stream_timeout = 120 * SEC;
    cfg->icmp_timeout = 30 * SEC;
    cfg->sweep_interval = 1 * SEC;
    cfg->hash_size = 4096;
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

static uint32_t parse_ipv4(const struct cfg_ctx *ctx, const char *s)
{
    struct in_addr ia;
    if (inet_pton(AF_INET, s, &ia) != 1) cfg_fail(ctx, "bad IPv4 address '%s'", s);
    return ia.s_addr;
}

static void parse_prefix(const struct cfg_ctx *ctx, const char *s, struct nat_prefix *pf)
{
    char buf[32];
    const char *slash = strchr(s, '/');
    if (slash == NULL || (size_t)(slash - s) >= sizeof buf) cfg_fail(ctx, "expected ADDRESS/LEN, got '%s'", s);
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = '\0';
    unsigned long len = parse_uint(ctx, slash + 1, 0, 32, "prefix length");
    uint32_t mask = len == 0 ? 0 : htonl(~0u << (32 - len));
    uint32_t net = parse_ipv4(ctx, buf);
    if ((net & ~mask) != 0) cfg_fail(ctx, "'%s' has host bits set", s);
    pf->net = net;
    pf->mask = mask;
}

static void parse_timeout(const struct cfg_ctx *ctx, struct nat_config *cfg, const char *name, const char *val)
{
    static const struct { const char *name; int state; } tcp_names[] = {
        { "tcp-syn-sent", NAT_TCP_SYN_SENT }, { "tcp-syn-recv", NAT_TCP_SYN_RECV },
        { "tcp-established", NAT_TCP_ESTABLISHED }, { "tcp-fin-wait", NAT_TCP_FIN_WAIT },
        { "tcp-time-wait", NAT_TCP_TIME_WAIT }, { "tcp-close", NAT_TCP_CLOSE },
    };
    uint64_t v = (uint64_t)parse_uint(ctx, val, 1, 10000000ul, "timeout (seconds)") * SEC;
    for (size_t i = 0; i < sizeof tcp_names / sizeof tcp_names[0]; i++)
        if (strcmp(name, tcp_names[i].name) == 0) {
            cfg->tcp_timeout[tcp_names[i].state] = v;
            return;
        }
    if (strcmp(name, "udp") == 0) cfg->udp_timeout = v;
    else if (strcmp(name, "udp-stream") == 0) cfg->udp_stream_timeout = v;
    else if (strcmp(name, "icmp") == 0) cfg->icmp_timeout = v;
    else cfg_fail(ctx, "unknown timeout '%s'", name);
}

static void parse_line(const struct cfg_ctx *ctx, struct nat_config *cfg, char **tok, int n, int *have_public)
{
    if (strcmp(tok[0], "inside") == 0 && n == 2) {
        if (cfg->ninside == NAT_MAX_INSIDE) cfg_fail(ctx, "too many inside prefixes (max %d)", NAT_MAX_INSIDE);
        parse_prefix(ctx, tok[1], &cfg->inside[cfg->ninside++]);
    } else if (strcmp(tok[0], "public") == 0 && n == 2) {
        cfg->public_addr = parse_ipv4(ctx, tok[1]);
        *have_public = 1;
    } else if (strcmp(tok[0], "ports") == 0 && n == 2) {
        char *dash = strchr(tok[1], '-');
        if (dash == NULL) cfg_fail(ctx, "expected ports LO-HI");
        *dash = '\0';
        unsigned long lo = parse_uint(ctx, tok[1], 1, 65535, "port");
        unsigned long hi = parse_uint(ctx, dash + 1, lo, 65535, "port");
        cfg->port_lo = (uint16_t)lo;
        cfg->port_hi = (uint16_t)hi;
    } else if (strcmp(tok[0], "timeout") == 0 && n == 3) {
        parse_timeout(ctx, cfg, tok[1], tok[2]);
    } else if (strcmp(tok[0], "sweep-interval") == 0 && n == 2) {
        cfg->sweep_interval = (uint64_t)parse_uint(ctx, tok[1], 1, 3600, "sweep-interval (seconds)") * SEC;
    } else if (strcmp(tok[0], "hash-size") == 0 && n == 2) {
        unsigned long v = parse_uint(ctx, tok[1], 16, 1ul << 20, "hash-size");
        if ((v & (v - 1)) != 0) cfg_fail(ctx, "hash-size must be a power of two");
        cfg->hash_size = (uint32_t)v;
    } else {
        cfg_fail(ctx, "unknown or malformed directive '%s'", tok[0]);
    }
}

void nat_config_load(const char *path, struct nat_config *cfg)
{
    struct cfg_ctx ctx = { path, 0 };
    FILE *f = fopen(path, "r");
    if (f == NULL) mbox_die("%s: cannot open config: %s", path, strerror(errno));
    char line[512];
    int have_public = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        ctx.line++;
        if (strchr(line, '\n') == NULL && !feof(f)) cfg_fail(&ctx, "line too long");
        char *tok[4];
        int n = 0;
        for (char *t = strtok(mbox_config_trim(line), " \t\r\n"); t != NULL; t = strtok(NULL, " \t\r\n")) {
            if (n == 4) cfg_fail(&ctx, "too many words");
            tok[n++] = t;
        }
        if (n > 0) parse_line(&ctx, cfg, tok, n, &have_public);
    }
    fclose(f);
    ctx.line = 0;
    if (cfg->ninside == 0) cfg_fail(&ctx, "no 'inside' prefix");
    if (!have_public) cfg_fail(&ctx, "no 'public' address");
    if (nat_is_inside(cfg, cfg->public_addr)) cfg_fail(&ctx, "public address lies inside");
}

int nat_is_inside(const struct nat_config *cfg, uint32_t addr)
{
    for (int i = 0; i < cfg->ninside; i++)
        if ((addr & cfg->inside[i].mask) == cfg->inside[i].net) return 1;
    return 0;
}
