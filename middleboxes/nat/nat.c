/* nat.c — on-path source NAT in the manner of Linux netfilter SNAT/MASQUERADE:
 * the pcap_dispatch receive loop and its callback, direction classification,
 * mapping creation with port allocation, conntrack-like TCP state for
 * timeouts, translation of replies and of ICMP errors, and the expiry sweep. */
#include "nat.h"
#include "mbox_io.h"
#include "pkt.h"
#include "rewrite.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

struct nat_counters {
    uint64_t packets, translated_out, translated_in, inside_view, lan, transit, not_ipv4;
    uint64_t drop_no_mapping, drop_exhausted, drop_frag, drop_proto, drop_invalid;
    uint64_t created, expired;
};

static struct nat_config nat_cfg;
static struct nat_counters nat_stats;
static uint64_t nat_clock_us;       /* latest packet time (traces may go backwards) */
static uint64_t nat_next_sweep_us;

static const char *const tcp_state_names[NAT_TCP_NSTATES] = {
    "NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "TIME_WAIT", "CLOSE",
};

static const char *proto_name(uint8_t proto)
{
    return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "icmp";
}

static enum nat_pool pool_of(uint8_t proto)
{
    return proto == IPPROTO_TCP ? NAT_POOL_TCP : proto == IPPROTO_UDP ? NAT_POOL_UDP : NAT_POOL_ICMP;
}

static void log_ts(uint64_t us)
{
    fprintf(mbox_io.log, "%llu.%06llu ", (unsigned long long)(us / 1000000u), (unsigned long long)(us % 1000000u));
}

static void ep(char *buf, size_t n, uint32_t addr, uint16_t port)
{
    char a[INET_ADDRSTRLEN];
    struct in_addr ia;
    ia.s_addr = addr;
    inet_ntop(AF_INET, &ia, a, sizeof a);
    snprintf(buf, n, "%s:%u", a, (unsigned)port);
}

static void log_mapping(const char *what, const struct nat_mapping *m, uint64_t now)
{
    char in[32], rem[32], pub[32];
    ep(in, sizeof in, m->in_addr, m->in_port);
    ep(rem, sizeof rem, m->rem_addr, m->rem_port);
    ep(pub, sizeof pub, nat_cfg.public_addr, m->pub_port);
    log_ts(now);
    fprintf(mbox_io.log, "%s %s %s -> %s as %s state=%s out=%llu in=%llu\n", what, proto_name(m->proto), in, rem,
            pub, tcp_state_names[m->tcp_state], (unsigned long long)m->pkts_out, (unsigned long long)m->pkts_in);
}

static void log_drop(const char *why, uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport, uint8_t proto,
                     uint64_t now)
{
    char s[32], d[32];
    ep(s, sizeof s, saddr, sport);
    ep(d, sizeof d, daddr, dport);
    log_ts(now);
    fprintf(mbox_io.log, "drop %s %s %s -> %s\n", why, proto_name(proto), s, d);
}

static uint64_t mapping_timeout(const struct nat_mapping *m)
{
    if (m->proto == IPPROTO_TCP) return nat_cfg.tcp_timeout[m->tcp_state];
    if (m->proto == IPPROTO_UDP) return m->replied ? nat_cfg.udp_stream_timeout : nat_cfg.udp_timeout;
    return nat_cfg.icmp_timeout;
}

static void mapping_expired(struct nat_mapping *m, uint64_t now)
{
    nat_stats.expired++;
    log_mapping("expire", m, now);
    pool_free(pool_of(m->proto), m->pub_port);
    free(m);
}

/* conntrack's TCP transitions, reduced to what decides the timeout. */
static void track_tcp(struct nat_mapping *m, uint8_t flags, unsigned dir)
{
    if (flags & TH_RST) {
        m->tcp_state = NAT_TCP_CLOSE;
    } else if ((flags & (TH_SYN | TH_ACK)) == TH_SYN) {
        if (dir == NAT_DIR_OUT && (m->tcp_state == NAT_TCP_CLOSE || m->tcp_state == NAT_TCP_TIME_WAIT)) {
            m->tcp_state = NAT_TCP_SYN_SENT; /* port reuse reopens the mapping */
            m->fin_dirs = 0;
        }
    } else if ((flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        if (dir == NAT_DIR_IN && m->tcp_state == NAT_TCP_SYN_SENT) m->tcp_state = NAT_TCP_SYN_RECV;
    } else if (flags & TH_FIN) {
        m->fin_dirs |= (uint8_t)dir;
        if (m->tcp_state <= NAT_TCP_FIN_WAIT)
            m->tcp_state = m->fin_dirs == (NAT_DIR_OUT | NAT_DIR_IN) ? NAT_TCP_TIME_WAIT : NAT_TCP_FIN_WAIT;
    } else if ((flags & TH_ACK) && m->tcp_state == NAT_TCP_SYN_RECV && dir == NAT_DIR_OUT) {
        m->tcp_state = NAT_TCP_ESTABLISHED;
    }
}

static void mapping_touch(struct nat_mapping *m, const struct pkt *p, unsigned dir, uint64_t now)
{
    m->last_us = now;
    if (dir == NAT_DIR_OUT) m->pkts_out++;
    else {
        m->pkts_in++;
        m->replied = 1;
    }
    if (p->tcp != NULL && m->proto == IPPROTO_TCP) track_tcp(m, p->tcp->th_flags, dir);
}

static struct nat_mapping *mapping_create(const struct pkt *p, uint32_t saddr, uint16_t sport, uint32_t daddr,
                                          uint16_t dport, uint64_t now)
{
    uint16_t pub;
    if (pool_alloc(pool_of(p->l4_proto), sport, &pub) != 0) {
        nat_stats.drop_exhausted++;
        log_drop("pool-exhausted", saddr, sport, daddr, dport, p->l4_proto, now);
        return NULL;
    }
    struct nat_mapping *m = calloc(1, sizeof *m);
    if (m == NULL) abort();
    m->in_addr = saddr;
    m->in_port = sport;
    m->rem_addr = daddr;
    m->rem_port = dport;
    m->pub_port = pub;
    m->proto = p->l4_proto;
    m->created_us = now;
    m->last_us = now;
    if (m->proto == IPPROTO_TCP)
        m->tcp_state = (p->tcp->th_flags & (TH_SYN | TH_ACK)) == TH_SYN ? NAT_TCP_SYN_SENT : NAT_TCP_ESTABLISHED;
    table_insert(m);
    nat_stats.created++;
    log_mapping("map", m, now);
    return m;
}

/* The L4 identity of a packet: ports, or the echo id for ICMP echo (as the
 * inside side's "port"). Returns 0 if the packet has none. */
static int l4_ids(const struct pkt *p, uint16_t *sport, uint16_t *dport, int *echo_req)
{
    *echo_req = 0;
    if (p->tcp != NULL || p->udp != NULL) {
        *sport = pkt_sport(p);
        *dport = pkt_dport(p);
        return 1;
    }
    if (p->icmp != NULL && (p->icmp->type == ICMP_ECHO || p->icmp->type == ICMP_ECHOREPLY)) {
        *echo_req = p->icmp->type == ICMP_ECHO;
        *sport = ntohs(p->icmp->un.echo.id);
        *dport = 0;
        return 1;
    }
    return 0;
}

/* Inside host → outside: find or create the mapping, SNAT. Returns 1 to send. */
static int nat_outbound(u_char *frame, const struct pkt *p, uint32_t saddr, uint32_t daddr, uint64_t now)
{
    uint16_t sport, dport;
    int echo_req;
    struct rw_inner in;
    if (l4_ids(p, &sport, &dport, &echo_req)) {
        struct nat_mapping *m = table_find_out(saddr, sport, daddr, dport, p->l4_proto);
        if (m == NULL) {
            int startable = p->udp != NULL || echo_req ||
                            (p->tcp != NULL && (p->tcp->th_flags & TH_RST) == 0);
            if (!startable) {
                nat_stats.drop_no_mapping++;
                log_drop("no-mapping", saddr, sport, daddr, dport, p->l4_proto, now);
                return 0;
            }
            m = mapping_create(p, saddr, sport, daddr, dport, now);
            if (m == NULL) return 0;
        }
        mapping_touch(m, p, NAT_DIR_OUT, now);
        rw_ipv4_endpoint(frame, p, RW_SRC, nat_cfg.public_addr, m->pub_port);
        nat_stats.translated_out++;
        return 1;
    }
    /* An ICMP error from inside about a flow from outside: the quoted packet
     * went public → inside, so its destination is translated back. */
    if (rw_icmp_inner(frame, p, &in) == 0) {
        struct nat_mapping *m = table_find_out(in.daddr, in.dport, in.saddr, in.sport, in.proto);
        if (m != NULL) {
            mapping_touch(m, p, NAT_DIR_OUT, now);
            rw_icmp_inner_endpoint(frame, p, &in, RW_DST, nat_cfg.public_addr, m->pub_port);
            rw_ipv4_addr(frame, p, RW_SRC, nat_cfg.public_addr);
            nat_stats.translated_out++;
            return 1;
        }
    }
    nat_stats.drop_proto++;
    return 0;
}

/* Outside → public address: reverse-translate through the inbound table. */
static int nat_inbound(u_char *frame, const struct pkt *p, uint32_t saddr, uint32_t daddr, uint64_t now)
{
    uint16_t sport, dport;
    int echo_req;
    struct rw_inner in;
    struct nat_mapping *m = NULL;
    if (l4_ids(p, &sport, &dport, &echo_req)) {
        /* An echo reply's id is the mapped one: it sits where "dport" would. */
        if (p->icmp != NULL) {
            if (!echo_req) m = table_find_in(saddr, 0, sport, IPPROTO_ICMP);
        } else {
            m = table_find_in(saddr, sport, dport, p->l4_proto);
        }
        if (m != NULL) {
            mapping_touch(m, p, NAT_DIR_IN, now);
            rw_ipv4_endpoint(frame, p, RW_DST, m->in_addr, m->in_port);
            nat_stats.translated_in++;
            return 1;
        }
        nat_stats.drop_no_mapping++;
        log_drop("no-mapping", saddr, sport, daddr, dport, p->l4_proto, now);
        return 0;
    }
    if (rw_icmp_inner(frame, p, &in) == 0 && in.saddr == nat_cfg.public_addr) {
        m = table_find_in(in.daddr, in.dport, in.sport, in.proto);
        if (m != NULL) {
            mapping_touch(m, p, NAT_DIR_IN, now);
            rw_icmp_inner_endpoint(frame, p, &in, RW_SRC, m->in_addr, m->in_port);
            rw_ipv4_addr(frame, p, RW_DST, m->in_addr);
            nat_stats.translated_in++;
            return 1;
        }
    }
    nat_stats.drop_no_mapping++;
    log_drop("no-mapping", saddr, 0, daddr, 0, p->l4_proto, now);
    return 0;
}

/* Outside → inside host directly: a trace captured on the LAN side shows
 * replies already translated back. Pass those that belong to a mapping (and
 * refresh it); drop the unsolicited, as the NAT would have. */
static int nat_inside_view(const u_char *frame, const struct pkt *p, uint32_t saddr, uint32_t daddr, uint64_t now)
{
    uint16_t sport, dport;
    int echo_req;
    struct rw_inner in;
    struct nat_mapping *m = NULL;
    if (l4_ids(p, &sport, &dport, &echo_req)) {
        if (p->icmp != NULL) {
            if (!echo_req) m = table_find_out(daddr, sport, saddr, 0, IPPROTO_ICMP);
        } else {
            m = table_find_out(daddr, dport, saddr, sport, p->l4_proto);
        }
    } else if (rw_icmp_inner(frame, p, &in) == 0) {
        m = table_find_out(in.saddr, in.sport, in.daddr, in.dport, in.proto);
    }
    if (m == NULL) {
        nat_stats.drop_no_mapping++;
        log_drop("unsolicited", saddr, p->icmp != NULL ? 0 : pkt_sport(p), daddr, p->icmp != NULL ? 0 : pkt_dport(p),
                 p->l4_proto, now);
        return 0;
    }
    mapping_touch(m, p, NAT_DIR_IN, now);
    nat_stats.inside_view++;
    return 1;
}

static int is_multicast_or_broadcast(uint32_t addr)
{
    uint32_t a = ntohl(addr);
    return (a >> 28) == 0xe || a == 0xffffffffu;
}

void nat_handle_packet(const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct pkt p;
    int st = pkt_decode(&p, mbox_io.linktype, h, bytes);
    uint64_t now = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    if (now > nat_clock_us) nat_clock_us = now;
    now = nat_clock_us;
    nat_stats.packets++;
    if (now >= nat_next_sweep_us) {
        table_sweep(now, mapping_timeout, mapping_expired);
        nat_next_sweep_us = now + nat_cfg.sweep_interval;
    }
    if (st == PKT_INVALID) {
        nat_stats.drop_invalid++;
        return;
    }
    if (p.ip == NULL) { /* ARP, IPv6 (NAT44 only), other link-layer traffic */
        nat_stats.not_ipv4++;
        mbox_output_packet(h, bytes);
        return;
    }
    uint32_t saddr = p.ip->ip_src.s_addr, daddr = p.ip->ip_dst.s_addr;
    int s_in = nat_is_inside(&nat_cfg, saddr), d_in = nat_is_inside(&nat_cfg, daddr);
    if ((s_in && d_in) || (s_in && is_multicast_or_broadcast(daddr))) {
        nat_stats.lan++; /* stays on the LAN: not routed through the NAT */
        mbox_output_packet(h, bytes);
        return;
    }
    if (!s_in && !d_in && daddr != nat_cfg.public_addr) {
        nat_stats.transit++;
        mbox_output_packet(h, bytes);
        return;
    }
    if (p.frag == PKT_FRAG_LATER || (p.l4 == NULL && p.frag != PKT_FRAG_NONE)) {
        /* No ports without reassembly (netfilter defragments first). */
        nat_stats.drop_frag++;
        return;
    }
    u_char frame[65536];
    uint32_t n = h->caplen < sizeof frame ? h->caplen : (uint32_t)sizeof frame;
    memcpy(frame, bytes, n);
    struct pcap_pkthdr oh = *h;
    oh.caplen = n;
    int send;
    if (s_in) send = nat_outbound(frame, &p, saddr, daddr, now);
    else if (daddr == nat_cfg.public_addr) send = nat_inbound(frame, &p, saddr, daddr, now);
    else send = nat_inside_view(frame, &p, saddr, daddr, now);
    if (send) mbox_output_packet(&oh, frame);
}

void nat_init(const char *config_path)
{
    nat_config_defaults(&nat_cfg);
    nat_config_load(config_path, &nat_cfg);
    pool_init(nat_cfg.port_lo, nat_cfg.port_hi);
    table_init(nat_cfg.hash_size);
}

void nat_finish(void)
{
    log_ts(nat_clock_us);
    fprintf(mbox_io.log,
            "summary packets=%llu out=%llu in=%llu inside_view=%llu lan=%llu transit=%llu not_ipv4=%llu "
            "no_mapping=%llu exhausted=%llu frag=%llu proto=%llu invalid=%llu created=%llu expired=%llu "
            "active=%u ports_tcp=%u ports_udp=%u ids_icmp=%u\n",
            (unsigned long long)nat_stats.packets, (unsigned long long)nat_stats.translated_out,
            (unsigned long long)nat_stats.translated_in, (unsigned long long)nat_stats.inside_view,
            (unsigned long long)nat_stats.lan, (unsigned long long)nat_stats.transit,
            (unsigned long long)nat_stats.not_ipv4, (unsigned long long)nat_stats.drop_no_mapping,
            (unsigned long long)nat_stats.drop_exhausted, (unsigned long long)nat_stats.drop_frag,
            (unsigned long long)nat_stats.drop_proto, (unsigned long long)nat_stats.drop_invalid,
            (unsigned long long)nat_stats.created, (unsigned long long)nat_stats.expired, (unsigned)table_count(),
            (unsigned)pool_in_use(NAT_POOL_TCP), (unsigned)pool_in_use(NAT_POOL_UDP),
            (unsigned)pool_in_use(NAT_POOL_ICMP));
}

#ifndef MBOX_FUZZ
/* pcap_dispatch callback (the receive site). */
static void nat_callback(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    (void)user;
    nat_handle_packet(h, bytes);
}

int main(int argc, char **argv)
{
    struct mbox_opts opts;
    int rc;

    mbox_parse_args(argc, argv, &opts, "nat");
    if (opts.nconfig != 1) mbox_die("nat: exactly one -c <config> is required");
    nat_init(opts.config[0]);
    mbox_open(&opts, MBOX_OUTPUT);
    /* Batches of up to 64 packets; 0 from a live capture is a timeout. */
    while ((rc = pcap_dispatch(mbox_io.in, 64, nat_callback, NULL)) >= 0) {
        if (rc == 0 && opts.read_file != NULL) break; /* end of the savefile */
    }
    if (rc == PCAP_ERROR) mbox_die("nat: read error: %s", pcap_geterr(mbox_io.in));
    nat_finish();
    mbox_close();
    return 0;
}
#endif
