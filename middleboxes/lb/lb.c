/* lb.c — on-path L4 load balancer in the manner of IPVS-NAT / HAProxy TCP mode:
 * the pcap_next_ex receive loop, per-packet handling (schedule, DNAT, SNAT,
 * TCP close tracking), timers (expiry sweep, periodic stats) on packet time. */
#include "lb.h"
#include "conn.h"
#include "mbox_io.h"
#include "pkt.h"
#include "rewrite.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* Global packet counters, printed in stats lines and at exit. */
struct lb_counters {
    uint64_t packets;
    uint64_t to_server;     /* DNAT'd client → real server */
    uint64_t from_server;   /* SNAT'd real server → client */
    uint64_t direct_reply;  /* replies sourced from the VIP itself */
    uint64_t passed;        /* not for any service: forwarded unchanged */
    uint64_t no_conn;       /* mid-flow TCP to a VIP without entry: dropped */
    uint64_t refused;       /* no usable server: dropped */
    uint64_t invalid;       /* malformed: dropped */
    uint64_t expired;
};

static struct lb_config lb_cfg;
static struct lb_service *lb_services;
static struct lb_counters lb_stats;
static uint64_t lb_clock_us;      /* latest packet time seen (traces go backwards) */
static uint64_t lb_next_sweep_us;
static uint64_t lb_next_stats_us;

static void fmt_ep(char *buf, size_t n, uint32_t addr, uint16_t port)
{
    char a[INET_ADDRSTRLEN];
    struct in_addr ia;
    ia.s_addr = addr;
    inet_ntop(AF_INET, &ia, a, sizeof a);
    snprintf(buf, n, "%s:%u", a, (unsigned)port);
}

static void log_ts(uint64_t us)
{
    fprintf(mbox_io.log, "%llu.%06llu ", (unsigned long long)(us / 1000000u), (unsigned long long)(us % 1000000u));
}

static void log_conn(const char *what, const struct lb_conn *c, uint64_t now, const char *extra)
{
    char cl[32], sv[32];
    fmt_ep(cl, sizeof cl, c->caddr, c->cport);
    fmt_ep(sv, sizeof sv, c->srv->addr, c->srv->port);
    log_ts(now);
    fprintf(mbox_io.log, "%s svc=%s client=%s server=%s(%s) active=%u%s\n", what, c->svc->name, cl, c->srv->name,
            sv, (unsigned)c->srv->active_conns, extra);
}

static void log_close(const struct lb_conn *c, uint64_t now, const char *reason)
{
    char extra[96];
    snprintf(extra, sizeof extra, " reason=%s pkts=%llu bytes=%llu dur_ms=%llu", reason,
             (unsigned long long)c->pkts, (unsigned long long)c->bytes,
             (unsigned long long)((now - c->created_us) / 1000u));
    log_conn("close", c, now, extra);
}

static uint64_t conn_timeout(const struct lb_conn *c)
{
    if (c->proto == IPPROTO_UDP) return lb_cfg.timeout_udp;
    if (c->state == LB_CONN_SYN) return lb_cfg.timeout_connect;
    if (c->state == LB_CONN_CLOSING) return lb_cfg.timeout_client_fin;
    return lb_cfg.timeout_client;
}

static void conn_expired(struct lb_conn *c, uint64_t now)
{
    lb_stats.expired++;
    /* The entry still counts as active until conn_destroy. */
    log_close(c, now, c->state == LB_CONN_CLOSING ? "closed" : "timeout");
}

static void log_stats(uint64_t now)
{
    for (const struct lb_service *s = lb_services; s != NULL; s = s->next) {
        log_ts(now);
        fprintf(mbox_io.log, "stats svc=%s algo=%s conns=%llu refused=%llu", s->name, lb_algo_name(s->algo),
                (unsigned long long)s->conns_total, (unsigned long long)s->refused);
        for (int i = 0; i < s->nservers; i++)
            fprintf(mbox_io.log, " %s=%u/%llu", s->servers[i].name, (unsigned)s->servers[i].active_conns,
                    (unsigned long long)s->servers[i].total_conns);
        fputc('\n', mbox_io.log);
    }
}

/* Timers run before the packet, on the monotonic packet clock. */
static void run_timers(uint64_t now)
{
    if (now >= lb_next_sweep_us) {
        conn_sweep(now, conn_timeout, conn_expired);
        lb_next_sweep_us = now + lb_cfg.sweep_interval;
    }
    if (lb_cfg.stats_interval != 0 && now >= lb_next_stats_us) {
        if (lb_next_stats_us != 0) log_stats(now);
        lb_next_stats_us = now + lb_cfg.stats_interval;
    }
}

static struct lb_service *service_find(uint32_t daddr, uint16_t dport, uint8_t proto)
{
    for (struct lb_service *s = lb_services; s != NULL; s = s->next)
        if (s->vip == daddr && s->vport == dport && s->proto == proto) return s;
    return NULL;
}

/* TCP close tracking. Returns 1 if the entry was destroyed (RST). */
static int track_tcp(struct lb_conn *c, uint8_t flags, int from_client, uint64_t now)
{
    if (flags & TH_RST) {
        log_close(c, now, "rst");
        conn_destroy(c);
        return 1;
    }
    if (c->state == LB_CONN_SYN && ((flags & TH_ACK) != 0) && !from_client) c->state = LB_CONN_EST;
    if (c->state == LB_CONN_SYN && !(flags & TH_SYN) && from_client) c->state = LB_CONN_EST;
    if (flags & TH_FIN) {
        c->fins |= from_client ? LB_FIN_CLIENT : LB_FIN_SERVER;
        if (c->fins == (LB_FIN_CLIENT | LB_FIN_SERVER) && c->state != LB_CONN_CLOSING) {
            /* Both halves closed: keep the entry for the last ACK (client-fin timeout). */
            c->state = LB_CONN_CLOSING;
            log_conn("fin", c, now, "");
        }
    }
    return 0;
}

/* Accounts a packet of an existing flow; returns 1 if the entry is gone. */
static int conn_touch(struct lb_conn *c, const struct pkt *p, int from_client, uint64_t now)
{
    c->last_us = now;
    c->pkts++;
    c->bytes += p->len;
    if (from_client) c->srv->pkts_to++;
    else c->srv->pkts_from++;
    if (p->tcp != NULL) return track_tcp(c, p->tcp->th_flags, from_client, now);
    return 0;
}

/* A packet to a VIP without an entry: schedule a server and create one. */
static struct lb_conn *conn_new(struct lb_service *svc, const struct pkt *p, uint32_t saddr, uint16_t sport,
                                uint64_t now)
{
    if (p->tcp != NULL && (p->tcp->th_flags & (TH_SYN | TH_ACK | TH_RST)) != TH_SYN) {
        lb_stats.no_conn++;
        return NULL;
    }
    struct lb_server *srv = lb_schedule(svc);
    if (srv == NULL) {
        char cl[32];
        fmt_ep(cl, sizeof cl, saddr, sport);
        svc->refused++;
        lb_stats.refused++;
        log_ts(now);
        fprintf(mbox_io.log, "refuse svc=%s client=%s no server available\n", svc->name, cl);
        return NULL;
    }
    struct lb_conn *c = conn_create(saddr, sport, svc->vip, svc->vport, p->l4_proto, svc, srv, now);
    if (c == NULL) {
        lb_stats.refused++;
        return NULL;
    }
    char extra[48];
    snprintf(extra, sizeof extra, " algo=%s", lb_algo_name(svc->algo));
    log_conn("new", c, now, extra);
    return c;
}

/* Rewriting happens on a copy: the capture buffer belongs to libpcap. */
static void send_rewritten(const struct pcap_pkthdr *h, const u_char *bytes, const struct pkt *p, enum rw_side side,
                           uint32_t addr, uint16_t port)
{
    u_char frame[65536];
    uint32_t n = h->caplen < sizeof frame ? h->caplen : (uint32_t)sizeof frame;
    memcpy(frame, bytes, n);
    struct pcap_pkthdr oh = *h;
    oh.caplen = n;
    rw_ipv4_endpoint(frame, p, side, addr, port);
    mbox_output_packet(&oh, frame);
}

void lb_handle_packet(const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct pkt p;
    int st = pkt_decode(&p, mbox_io.linktype, h, bytes);
    uint64_t now = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    if (now > lb_clock_us) lb_clock_us = now;
    now = lb_clock_us;
    lb_stats.packets++;
    run_timers(now);

    if (st == PKT_INVALID) {
        lb_stats.invalid++;
        return;
    }
    if (p.ip == NULL || (p.tcp == NULL && p.udp == NULL)) {
        lb_stats.passed++;
        mbox_output_packet(h, bytes);
        return;
    }
    uint32_t saddr = p.ip->ip_src.s_addr, daddr = p.ip->ip_dst.s_addr;
    uint16_t sport = pkt_sport(&p), dport = pkt_dport(&p);
    uint8_t proto = p.l4_proto;

    struct lb_conn *c = conn_find_client(saddr, sport, daddr, dport, proto);
    if (c != NULL && c->state == LB_CONN_CLOSING && p.tcp != NULL &&
        (p.tcp->th_flags & (TH_SYN | TH_ACK)) == TH_SYN) {
        /* Client port reused after a close (IPVS conn_reuse_mode): reschedule. */
        log_close(c, now, "reuse");
        conn_destroy(c);
        c = NULL;
    }
    if (c == NULL) {
        struct lb_service *svc = service_find(daddr, dport, proto);
        if (svc != NULL) {
            c = conn_new(svc, &p, saddr, sport, now);
            if (c == NULL) return; /* dropped */
        }
    }
    if (c != NULL) {
        struct lb_server *srv = c->srv;
        lb_stats.to_server++;
        conn_touch(c, &p, 1, now);
        send_rewritten(h, bytes, &p, RW_DST, srv->addr, srv->port);
        return;
    }
    c = conn_find_server(saddr, sport, daddr, dport, proto);
    if (c != NULL) {
        uint32_t vip = c->vaddr;
        uint16_t vport = c->vport;
        lb_stats.from_server++;
        conn_touch(c, &p, 0, now);
        send_rewritten(h, bytes, &p, RW_SRC, vip, vport);
        return;
    }
    /* Replayed traces carry the original server's replies, sourced from the
     * VIP: treat them as the chosen server's replies, already translated. */
    c = conn_find_client(daddr, dport, saddr, sport, proto);
    if (c != NULL) {
        lb_stats.direct_reply++;
        conn_touch(c, &p, 0, now);
        mbox_output_packet(h, bytes);
        return;
    }
    lb_stats.passed++;
    mbox_output_packet(h, bytes);
}

void lb_init(const char *config_path)
{
    lb_config_defaults(&lb_cfg);
    lb_config_load(config_path, &lb_cfg, &lb_services);
    conn_table_init(lb_cfg.hash_size);
}

void lb_finish(void)
{
    log_stats(lb_clock_us);
    log_ts(lb_clock_us);
    fprintf(mbox_io.log,
            "summary packets=%llu to_server=%llu from_server=%llu direct_reply=%llu passed=%llu no_conn=%llu "
            "refused=%llu invalid=%llu expired=%llu open=%u\n",
            (unsigned long long)lb_stats.packets, (unsigned long long)lb_stats.to_server,
            (unsigned long long)lb_stats.from_server, (unsigned long long)lb_stats.direct_reply,
            (unsigned long long)lb_stats.passed, (unsigned long long)lb_stats.no_conn,
            (unsigned long long)lb_stats.refused, (unsigned long long)lb_stats.invalid,
            (unsigned long long)lb_stats.expired, (unsigned)conn_count());
}

#ifndef MBOX_FUZZ
int main(int argc, char **argv)
{
    struct mbox_opts opts;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc;

    mbox_parse_args(argc, argv, &opts, "lb");
    if (opts.nconfig != 1) mbox_die("lb: exactly one -c <config> is required");
    lb_init(opts.config[0]);
    mbox_open(&opts, MBOX_OUTPUT);
    while ((rc = pcap_next_ex(mbox_io.in, &hdr, &data)) >= 0) {
        if (rc == 0) continue; /* live capture timeout */
        lb_handle_packet(hdr, data);
    }
    if (rc == PCAP_ERROR) mbox_die("lb: read error: %s", pcap_geterr(mbox_io.in));
    lb_finish();
    mbox_close();
    return 0;
}
#endif
