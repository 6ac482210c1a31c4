/* firewall.c — on-path stateful firewall in the manner of iptables with
 * conntrack / pf: the pcap_next_ex loop, the state lookup before the ordered
 * rules, the TCP state machine, UDP/ICMP pseudo-state, ICMP errors passed as
 * related traffic, per-rule counters, and the expiry sweep on packet time. */
#include "fw.h"
#include "mbox_io.h"
#include "pkt.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

struct fw_counters {
    uint64_t packets, passed_state, passed_related, passed_rule, passed_nonip;
    uint64_t blocked_rule, blocked_policy, blocked_invalid, blocked_limit, blocked_window;
    uint64_t states_created, states_expired;
};

static struct fw_config fw_cfg;
static struct fw_counters fw_stats;
static uint64_t fw_clock_us;        /* latest packet time (traces may go backwards) */
static uint64_t fw_next_sweep_us;

static void log_ts(uint64_t us)
{
    fprintf(mbox_io.log, "%llu.%06llu ", (unsigned long long)(us / 1000000u), (unsigned long long)(us % 1000000u));
}

static const char *proto_name(int proto)
{
    switch (proto) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_ICMP: return "icmp";
    case IPPROTO_ICMPV6: return "icmp6";
    default: return "ip";
    }
}

static void fmt_ep(char *buf, size_t n, const uint8_t *a, uint16_t port)
{
    static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    char s[INET6_ADDRSTRLEN];
    if (memcmp(a, v4mapped, 12) == 0) {
        inet_ntop(AF_INET, a + 12, s, sizeof s);
        snprintf(buf, n, "%s:%u", s, (unsigned)port);
    } else {
        inet_ntop(AF_INET6, a, s, sizeof s);
        snprintf(buf, n, "[%s]:%u", s, (unsigned)port);
    }
}

static void log_conn(const char *what, const struct fw_conn *c, uint64_t now, const char *detail)
{
    char s[64], d[64];
    fmt_ep(s, sizeof s, c->src, c->sport);
    fmt_ep(d, sizeof d, c->dst, c->dport);
    log_ts(now);
    fprintf(mbox_io.log, "%s %s %s -> %s %s\n", what, proto_name(c->proto), s, d, detail);
}

static void set_state(struct fw_conn *c, uint8_t next, uint64_t now)
{
    if (c->state == next) return;
    char detail[48];
    snprintf(detail, sizeof detail, "%s>%s", fw_state_name(c->state), fw_state_name(next));
    c->state = next;
    log_conn("state", c, now, detail);
}

static uint64_t conn_timeout(const struct fw_conn *c)
{
    return fw_cfg.timeout[c->state];
}

static void conn_expired(struct fw_conn *c, uint64_t now)
{
    char detail[96];
    fw_stats.states_expired++;
    snprintf(detail, sizeof detail, "%s rule=%d pkts=%llu/%llu", fw_state_name(c->state), c->rule->number,
             (unsigned long long)c->pkts[FW_DIR_ORIG], (unsigned long long)c->pkts[FW_DIR_REPLY]);
    log_conn("expire", c, now, detail);
    free(c);
}

/* conntrack's TCP state machine, without window tracking. */
static void track_tcp(struct fw_conn *c, uint8_t flags, int dir, uint64_t now)
{
    uint8_t st = c->state;
    if (flags & TH_RST) {
        set_state(c, FW_TCP_CLOSED, now);
    } else if ((flags & (TH_SYN | TH_ACK)) == TH_SYN) {
        if (dir == FW_DIR_ORIG && (st == FW_TCP_TIME_WAIT || st == FW_TCP_CLOSED)) {
            c->fin_dirs = 0;   /* the client reuses its port: a new connection */
            set_state(c, FW_TCP_SYN_SENT, now);
        }
    } else if (flags & TH_SYN) {
        if (dir == FW_DIR_REPLY && st == FW_TCP_SYN_SENT) set_state(c, FW_TCP_SYN_RECV, now);
    } else if (flags & TH_FIN) {
        c->fin_dirs |= (uint8_t)(1u << dir);
        if (c->fin_dirs == 3u) set_state(c, FW_TCP_TIME_WAIT, now);
        else if (st == FW_TCP_SYN_RECV || st == FW_TCP_ESTABLISHED) set_state(c, FW_TCP_FIN_WAIT, now);
    } else if (flags & TH_ACK) {
        if (st == FW_TCP_SYN_RECV && dir == FW_DIR_ORIG) set_state(c, FW_TCP_ESTABLISHED, now);
        else if (st == FW_TCP_FIN_WAIT && !(c->fin_dirs & (1u << dir))) set_state(c, FW_TCP_CLOSE_WAIT, now);
    }
}

static void conn_update(struct fw_conn *c, const struct pkt *p, int dir, uint64_t now)
{
    c->last_us = now;
    c->pkts[dir]++;
    c->bytes[dir] += p->len;
    if (c->proto == IPPROTO_TCP && p->tcp != NULL) track_tcp(c, p->tcp->th_flags, dir, now);
    else if (c->proto == IPPROTO_UDP && dir == FW_DIR_REPLY) set_state(c, FW_UDP_REPLIED, now);
}

/* pf's sequence-window check on a packet of a tracked TCP connection. A SYN
 * reopening a closed entry starts both windows afresh. Logs what it drops. */
static int tcp_window_ok(struct fw_conn *c, const struct pkt *p, int dir, uint64_t now)
{
    uint8_t flags = p->tcp->th_flags;
    if ((flags & (TH_SYN | TH_ACK)) == TH_SYN && dir == FW_DIR_ORIG &&
        (c->state == FW_TCP_TIME_WAIT || c->state == FW_TCP_CLOSED))
        seq_reset(c);
    if (!fw_cfg.window_check || seq_track(c, p, dir)) return 1;
    char detail[64];
    snprintf(detail, sizeof detail, "bad-window %s seq=%u", dir == FW_DIR_ORIG ? "orig" : "reply",
             (unsigned)ntohl(p->tcp->th_seq));
    log_conn("deny", c, now, detail);
    return 0;
}

static void addr_v4(uint8_t *dst, const struct in_addr *a)
{
    memset(dst, 0, 10);
    dst[10] = 0xff;
    dst[11] = 0xff;
    memcpy(dst + 12, &a->s_addr, 4);
}

/* Fills the tuple; returns 1 if the packet can own a state entry (TCP, UDP,
 * ICMP/ICMPv6 echo), with *echo_req set for echo requests. */
static int make_tuple(const struct pkt *p, struct fw_tuple *t, int *echo_req)
{
    memset(t, 0, sizeof *t);
    *echo_req = 0;
    if (p->ip != NULL) {
        addr_v4(t->src, &p->ip->ip_src);
        addr_v4(t->dst, &p->ip->ip_dst);
    } else {
        memcpy(t->src, &p->ip6->ip6_src, FW_ADDR_LEN);
        memcpy(t->dst, &p->ip6->ip6_dst, FW_ADDR_LEN);
    }
    t->proto = p->l4_proto;
    if (p->tcp != NULL || p->udp != NULL) {
        t->sport = pkt_sport(p);
        t->dport = pkt_dport(p);
        t->has_ports = 1;
        return 1;
    }
    if (p->icmp != NULL && (p->icmp->type == ICMP_ECHO || p->icmp->type == ICMP_ECHOREPLY)) {
        *echo_req = p->icmp->type == ICMP_ECHO;
        /* The reply carries the request's id: as both "ports", it matches either way. */
        t->sport = t->dport = ntohs(p->icmp->un.echo.id);
        return 1;
    }
    if (p->icmp6 != NULL && (p->icmp6->icmp6_type == ICMP6_ECHO_REQUEST || p->icmp6->icmp6_type == ICMP6_ECHO_REPLY)) {
        *echo_req = p->icmp6->icmp6_type == ICMP6_ECHO_REQUEST;
        t->sport = t->dport = ntohs(p->icmp6->icmp6_id);
        return 1;
    }
    return 0;
}

/* An ICMPv4 error quoting a tracked connection's packet is related traffic.
 * The quoted header is read from the capture with explicit length checks. */
static struct fw_conn *icmp_related(const struct pkt *p, uint64_t now)
{
    if (p->icmp == NULL || p->frag != PKT_FRAG_NONE) return NULL;
    uint8_t type = p->icmp->type;
    if (type != ICMP_UNREACH && type != ICMP_TIMXCEED && type != ICMP_PARAMPROB && type != ICMP_SOURCEQUENCH)
        return NULL;
    if (p->l4_len < 8 + 20) return NULL;
    const u_char *ip = p->l4 + 8;
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4u;
    if ((ip[0] >> 4) != 4 || ihl < 20 || p->l4_len < 8 + ihl + 8) return NULL;
    if ((((uint32_t)ip[6] << 8 | ip[7]) & 0x1fffu) != 0) return NULL;
    const u_char *l4 = ip + ihl;
    struct fw_tuple t;
    memset(&t, 0, sizeof t);
    struct in_addr a;
    memcpy(&a.s_addr, ip + 12, 4);
    addr_v4(t.src, &a);
    memcpy(&a.s_addr, ip + 16, 4);
    addr_v4(t.dst, &a);
    t.proto = ip[9];
    if (t.proto == IPPROTO_TCP || t.proto == IPPROTO_UDP) {
        t.sport = (uint16_t)(l4[0] << 8 | l4[1]);
        t.dport = (uint16_t)(l4[2] << 8 | l4[3]);
    } else if (t.proto == IPPROTO_ICMP && (l4[0] == ICMP_ECHO || l4[0] == ICMP_ECHOREPLY)) {
        t.sport = t.dport = (uint16_t)(l4[4] << 8 | l4[5]);
    } else {
        return NULL;
    }
    int dir;
    struct fw_conn *c = state_find(&t, &dir);
    if (c != NULL) c->last_us = now;
    return c;
}

static void log_deny(const struct fw_tuple *t, const struct fw_rule *r, uint64_t now)
{
    char s[64], d[64];
    fmt_ep(s, sizeof s, t->src, t->sport);
    fmt_ep(d, sizeof d, t->dst, t->dport);
    log_ts(now);
    if (r != NULL) fprintf(mbox_io.log, "deny %s %s -> %s rule=%d line=%d\n", proto_name(t->proto), s, d, r->number, r->line);
    else fprintf(mbox_io.log, "deny %s %s -> %s policy\n", proto_name(t->proto), s, d);
}

/* No state matched: first matching rule decides; pass + keep state creates it. */
static int filter_by_rules(const struct pkt *p, const struct fw_tuple *t, int stateful, int echo_req, uint64_t now)
{
    int syn = p->tcp != NULL && (p->tcp->th_flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) == TH_SYN;
    struct fw_rule *r = fw_rules_match(&fw_cfg, t, syn);
    enum fw_action act = r != NULL ? r->action : fw_cfg.policy;
    if (r != NULL) {
        r->hits++;
        r->bytes += p->len;
    }
    if (act == FW_BLOCK) {
        if (r != NULL) fw_stats.blocked_rule++;
        else fw_stats.blocked_policy++;
        log_deny(t, r, now);
        return 0;
    }
    fw_stats.passed_rule++;
    int creates = r != NULL && r->keep_state && stateful && (p->icmp == NULL && p->icmp6 == NULL ? 1 : echo_req);
    if (!creates) return 1;
    if (state_count() >= fw_cfg.max_states) {
        fw_stats.blocked_limit++;
        log_deny(t, r, now);
        return 0;
    }
    uint8_t initial = t->proto == IPPROTO_TCP ? FW_TCP_SYN_SENT : t->proto == IPPROTO_UDP ? FW_UDP_UNREPLIED : FW_ICMP_ACTIVE;
    struct fw_conn *c = state_create(t, r, initial, now);
    if (c == NULL) abort();
    if (t->proto == IPPROTO_TCP) seq_track(c, p, FW_DIR_ORIG); /* opens the originator's window */
    fw_stats.states_created++;
    c->pkts[FW_DIR_ORIG]++;
    c->bytes[FW_DIR_ORIG] += p->len;
    char detail[48];
    snprintf(detail, sizeof detail, "new %s rule=%d", fw_state_name(initial), r->number);
    log_conn("state", c, now, detail);
    return 1;
}

void fw_handle_packet(const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct pkt p;
    int st = pkt_decode(&p, mbox_io.linktype, h, bytes);
    uint64_t now = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    if (now > fw_clock_us) fw_clock_us = now;
    now = fw_clock_us;
    fw_stats.packets++;
    if (now >= fw_next_sweep_us) {
        state_sweep(now, conn_timeout, conn_expired);
        fw_next_sweep_us = now + fw_cfg.sweep_interval;
    }
    if (st == PKT_INVALID) { /* pf's scrub drops what it cannot parse */
        fw_stats.blocked_invalid++;
        return;
    }
    if (p.ip == NULL && p.ip6 == NULL) { /* ARP and other link-layer frames are bridged */
        fw_stats.passed_nonip++;
        mbox_output_packet(h, bytes);
        return;
    }
    struct fw_tuple t;
    int echo_req;
    int stateful = make_tuple(&p, &t, &echo_req);
    if (stateful) {
        int dir;
        struct fw_conn *c = state_find(&t, &dir);
        if (c != NULL && c->proto == IPPROTO_TCP && p.tcp != NULL && !tcp_window_ok(c, &p, dir, now)) {
            fw_stats.blocked_window++;
            return;
        }
        if (c != NULL) {
            conn_update(c, &p, dir, now);
            fw_stats.passed_state++;
            mbox_output_packet(h, bytes);
            return;
        }
    } else if (icmp_related(&p, now) != NULL) {
        fw_stats.passed_related++;
        mbox_output_packet(h, bytes);
        return;
    }
    if (filter_by_rules(&p, &t, stateful, echo_req, now)) mbox_output_packet(h, bytes);
}

void fw_init(const char *config_path)
{
    fw_config_defaults(&fw_cfg);
    fw_config_load(config_path, &fw_cfg);
    state_init(fw_cfg.hash_size);
}

void fw_finish(void)
{
    for (int i = 0; i < fw_cfg.nrules; i++) {
        const struct fw_rule *r = &fw_cfg.rules[i];
        log_ts(fw_clock_us);
        fprintf(mbox_io.log, "rule %d line=%d %s hits=%llu bytes=%llu\n", r->number, r->line,
                r->action == FW_PASS ? "pass" : "block", (unsigned long long)r->hits, (unsigned long long)r->bytes);
    }
    log_ts(fw_clock_us);
    fprintf(mbox_io.log,
            "summary packets=%llu pass_state=%llu pass_related=%llu pass_rule=%llu pass_nonip=%llu "
            "block_rule=%llu block_policy=%llu block_invalid=%llu block_limit=%llu block_window=%llu "
            "created=%llu expired=%llu states=%u\n",
            (unsigned long long)fw_stats.packets, (unsigned long long)fw_stats.passed_state,
            (unsigned long long)fw_stats.passed_related, (unsigned long long)fw_stats.passed_rule,
            (unsigned long long)fw_stats.passed_nonip, (unsigned long long)fw_stats.blocked_rule,
            (unsigned long long)fw_stats.blocked_policy, (unsigned long long)fw_stats.blocked_invalid,
            (unsigned long long)fw_stats.blocked_limit, (unsigned long long)fw_stats.blocked_window,
            (unsigned long long)fw_stats.states_created,
            (unsigned long long)fw_stats.states_expired, (unsigned)state_count());
}

#ifndef MBOX_FUZZ
int main(int argc, char **argv)
{
    struct mbox_opts opts;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc;

    mbox_parse_args(argc, argv, &opts, "firewall");
    if (opts.nconfig != 1) mbox_die("firewall: exactly one -c <rules> is required");
    fw_init(opts.config[0]);
    mbox_open(&opts, MBOX_OUTPUT);
    while ((rc = pcap_next_ex(mbox_io.in, &hdr, &data)) >= 0) {
        if (rc == 0) continue; /* live capture timeout */
        fw_handle_packet(hdr, data);
    }
    if (rc == PCAP_ERROR) mbox_die("firewall: read error: %s", pcap_geterr(mbox_io.in));
    fw_finish();
    mbox_close();
    return 0;
}
#endif
