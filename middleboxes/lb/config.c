/* config.c — parses the load balancer's configuration, a subset of HAProxy's
 * syntax (global / defaults / listen sections; bind, mode, balance, server, timeout). */
#include "lb.h"
#include "mbox_io.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 16
#define MAX_SERVERS 64

struct cfg_ctx {
    const char *path;
    int line;
};

/* Reports "file:line: message" through the shared helper and exits 2. */
static void cfg_fail(const struct cfg_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void cfg_fail(const struct cfg_ctx *ctx, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mbox_config_error(ctx->path, ctx->line, "%s", msg);
}

void lb_config_defaults(struct lb_config *cfg)
{
    /* HAProxy-like defaults; the timeouts HAProxy leaves unset get IPVS's values. */
    cfg->timeout_connect = 5000000ull;
    cfg->timeout_client = 50000000ull;
    cfg->timeout_client_fin = 5000000ull;
    cfg->timeout_udp = 300000000ull;
    cfg->stats_interval = 10000000ull;
    cfg->sweep_interval = 1000000ull;
    cfg->hash_size = 4096;
}

/* HAProxy time format: a number with an optional unit; bare numbers are ms. */
static uint64_t parse_time_us(const struct cfg_ctx *ctx, const char *s)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || s[0] == '-')
        cfg_fail(ctx, "bad time value '%s'", s);
    uint64_t mult;
    if (*end == '\0' || strcmp(end, "ms") == 0) mult = 1000ull;
    else if (strcmp(end, "us") == 0) mult = 1ull;
    else if (strcmp(end, "s") == 0) mult = 1000000ull;
    else if (strcmp(end, "m") == 0) mult = 60000000ull;
    else if (strcmp(end, "h") == 0) mult = 3600000000ull;
    else if (strcmp(end, "d") == 0) mult = 86400000000ull;
    else cfg_fail(ctx, "bad time unit in '%s'", s);
    if (v > UINT64_MAX / mult) cfg_fail(ctx, "time value '%s' too large", s);
    return (uint64_t)v * mult;
}

static unsigned long parse_uint(const struct cfg_ctx *ctx, const char *s, unsigned long max, const char *what)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
        cfg_fail(ctx, "bad %s '%s' (0..%lu)", what, s, max);
    return v;
}

/* "a.b.c.d:port" → network-order address, host-order port. */
static void parse_addr_port(const struct cfg_ctx *ctx, const char *s, uint32_t *addr, uint16_t *port)
{
    char buf[64];
    const char *colon = strrchr(s, ':');
    if (colon == NULL || (size_t)(colon - s) >= sizeof buf)
        cfg_fail(ctx, "expected ADDRESS:PORT, got '%s'", s);
    memcpy(buf, s, (size_t)(colon - s));
    buf[colon - s] = '\0';
    struct in_addr ia;
    if (inet_pton(AF_INET, buf, &ia) != 1)
        cfg_fail(ctx, "bad IPv4 address '%s'", buf);
    *addr = ia.s_addr;
    unsigned long p = parse_uint(ctx, colon + 1, 65535, "port");
    if (p == 0) cfg_fail(ctx, "port 0 is not allowed");
    *port = (uint16_t)p;
}

static int tokenize(char *line, char **tok)
{
    int n = 0;
    char *hash = strchr(line, '#');
    if (hash != NULL) *hash = '\0';
    for (char *p = line; *p != '\0';) {
        while (*p != '\0' && isspace((unsigned char)*p)) p++;
        if (*p == '\0') break;
        if (n == MAX_TOKENS) return -1;
        tok[n++] = p;
        while (*p != '\0' && !isspace((unsigned char)*p)) p++;
        if (*p != '\0') *p++ = '\0';
    }
    return n;
}

static void copy_name(const struct cfg_ctx *ctx, char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n == 0 || n >= LB_NAME_MAX) cfg_fail(ctx, "name '%s' must be 1..%d characters", src, LB_NAME_MAX - 1);
    memcpy(dst, src, n + 1);
}

static void parse_timeout(const struct cfg_ctx *ctx, struct lb_config *cfg, char **tok, int n)
{
    if (n != 3) cfg_fail(ctx, "usage: timeout <connect|client|client-fin|udp> <time>");
    uint64_t v = parse_time_us(ctx, tok[2]);
    if (v == 0) cfg_fail(ctx, "timeout must be positive");
    if (strcmp(tok[1], "connect") == 0) cfg->timeout_connect = v;
    else if (strcmp(tok[1], "client") == 0) cfg->timeout_client = v;
    else if (strcmp(tok[1], "client-fin") == 0) cfg->timeout_client_fin = v;
    else if (strcmp(tok[1], "udp") == 0) cfg->timeout_udp = v;
    else cfg_fail(ctx, "unknown timeout '%s'", tok[1]);
}

static void parse_global(const struct cfg_ctx *ctx, struct lb_config *cfg, char **tok, int n)
{
    if (n != 2) cfg_fail(ctx, "'%s' takes one value", tok[0]);
    if (strcmp(tok[0], "stats-interval") == 0) {
        cfg->stats_interval = parse_time_us(ctx, tok[1]);
    } else if (strcmp(tok[0], "sweep-interval") == 0) {
        cfg->sweep_interval = parse_time_us(ctx, tok[1]);
        if (cfg->sweep_interval == 0) cfg_fail(ctx, "sweep-interval must be positive");
    } else if (strcmp(tok[0], "hash-size") == 0) {
        unsigned long v = parse_uint(ctx, tok[1], 1ul << 20, "hash-size");
        if (v < 16 || (v & (v - 1)) != 0) cfg_fail(ctx, "hash-size must be a power of two >= 16");
        cfg->hash_size = (uint32_t)v;
    } else {
        cfg_fail(ctx, "unknown global keyword '%s'", tok[0]);
    }
}

static void parse_server(const struct cfg_ctx *ctx, struct lb_service *svc, char **tok, int n)
{
    if (n < 3) cfg_fail(ctx, "usage: server <name> <addr:port> [weight N] [maxconn N]");
    if (svc->nservers == MAX_SERVERS) cfg_fail(ctx, "too many servers (max %d)", MAX_SERVERS);
    struct lb_server *srv = &svc->servers[svc->nservers];
    memset(srv, 0, sizeof *srv);
    copy_name(ctx, srv->name, tok[1]);
    parse_addr_port(ctx, tok[2], &srv->addr, &srv->port);
    srv->weight = 1;
    for (int i = 3; i < n; i += 2) {
        if (i + 1 >= n) cfg_fail(ctx, "'%s' needs a value", tok[i]);
        if (strcmp(tok[i], "weight") == 0) srv->weight = (int)parse_uint(ctx, tok[i + 1], 256, "weight");
        else if (strcmp(tok[i], "maxconn") == 0) srv->maxconn = (uint32_t)parse_uint(ctx, tok[i + 1], 1000000, "maxconn");
        else cfg_fail(ctx, "unknown server option '%s'", tok[i]);
    }
    svc->nservers++;
}

static void parse_listen_kw(const struct cfg_ctx *ctx, struct lb_service *svc, int *has_bind, char **tok, int n)
{
    if (strcmp(tok[0], "bind") == 0) {
        if (n != 2) cfg_fail(ctx, "usage: bind <vip:port>");
        parse_addr_port(ctx, tok[1], &svc->vip, &svc->vport);
        *has_bind = 1;
    } else if (strcmp(tok[0], "mode") == 0) {
        if (n != 2) cfg_fail(ctx, "usage: mode tcp|udp");
        if (strcmp(tok[1], "tcp") == 0) svc->proto = IPPROTO_TCP;
        else if (strcmp(tok[1], "udp") == 0) svc->proto = IPPROTO_UDP;
        else cfg_fail(ctx, "unknown mode '%s' (tcp or udp)", tok[1]);
    } else if (strcmp(tok[0], "balance") == 0) {
        if (n != 2) cfg_fail(ctx, "usage: balance roundrobin|leastconn");
        if (strcmp(tok[1], "roundrobin") == 0) svc->algo = LB_ALGO_ROUNDROBIN;
        else if (strcmp(tok[1], "leastconn") == 0) svc->algo = LB_ALGO_LEASTCONN;
        else cfg_fail(ctx, "unknown balance algorithm '%s'", tok[1]);
    } else if (strcmp(tok[0], "server") == 0) {
        parse_server(ctx, svc, tok, n);
    } else {
        cfg_fail(ctx, "unknown keyword '%s' in listen section", tok[0]);
    }
}

static void finish_service(const struct cfg_ctx *ctx, struct lb_service *svc, int has_bind,
                           struct lb_service **services)
{
    if (!has_bind) cfg_fail(ctx, "listen '%s' has no bind line", svc->name);
    if (svc->nservers == 0) cfg_fail(ctx, "listen '%s' has no server", svc->name);
    for (const struct lb_service *o = *services; o != NULL; o = o->next)
        if (o->vip == svc->vip && o->vport == svc->vport && o->proto == svc->proto)
            cfg_fail(ctx, "listen '%s' binds the same address as '%s'", svc->name, o->name);
    /* Keep file order: append. */
    struct lb_service **tail = services;
    while (*tail != NULL) tail = &(*tail)->next;
    *tail = svc;
}

int lb_config_load(const char *path, struct lb_config *cfg, struct lb_service **services)
{
    struct cfg_ctx ctx = { path, 0 };
    FILE *f = fopen(path, "r");
    if (f == NULL) mbox_die("%s: cannot open config: %s", path, strerror(errno));
    enum { SEC_NONE, SEC_GLOBAL, SEC_DEFAULTS, SEC_LISTEN } sec = SEC_NONE;
    struct lb_service *svc = NULL;
    int has_bind = 0;
    char line[512];
    char *tok[MAX_TOKENS];
    while (fgets(line, sizeof line, f) != NULL) {
        ctx.line++;
        if (strchr(line, '\n') == NULL && !feof(f)) cfg_fail(&ctx, "line too long");
        int n = tokenize(line, tok);
        if (n < 0) cfg_fail(&ctx, "too many words");
        if (n == 0) continue;
        if (strcmp(tok[0], "global") == 0 || strcmp(tok[0], "defaults") == 0 || strcmp(tok[0], "listen") == 0) {
            if (svc != NULL) finish_service(&ctx, svc, has_bind, services);
            svc = NULL;
            if (tok[0][0] == 'g') sec = SEC_GLOBAL;
            else if (tok[0][0] == 'd') sec = SEC_DEFAULTS;
            else {
                if (n != 2) cfg_fail(&ctx, "usage: listen <name>");
                sec = SEC_LISTEN;
                svc = calloc(1, sizeof *svc);
                if (svc == NULL) cfg_fail(&ctx, "out of memory");
                copy_name(&ctx, svc->name, tok[1]);
                svc->proto = IPPROTO_TCP;
                svc->algo = LB_ALGO_ROUNDROBIN;
                svc->servers = calloc(MAX_SERVERS, sizeof *svc->servers);
                if (svc->servers == NULL) cfg_fail(&ctx, "out of memory");
                has_bind = 0;
            }
            continue;
        }
        if (sec == SEC_NONE) cfg_fail(&ctx, "'%s' outside a section", tok[0]);
        /* Timeouts are global here (HAProxy also allows them per proxy). */
        if (strcmp(tok[0], "timeout") == 0 && sec == SEC_DEFAULTS) parse_timeout(&ctx, cfg, tok, n);
        else if (sec == SEC_GLOBAL) parse_global(&ctx, cfg, tok, n);
        else if (sec == SEC_LISTEN) parse_listen_kw(&ctx, svc, &has_bind, tok, n);
        else cfg_fail(&ctx, "unknown keyword '%s' in defaults section", tok[0]);
    }
    fclose(f);
    if (svc != NULL) finish_service(&ctx, svc, has_bind, services);
    if (*services == NULL) {
        ctx.line = 0;
        cfg_fail(&ctx, "no listen section");
    }
    return 0;
}
