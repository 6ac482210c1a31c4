/* seqtrack.c — TCP sequence-window tracking of a state entry, after pf's
 * pf_tcp_track_full (G. van Rooij, "Real Stateful TCP Packet Filtering in IP
 * Filter"): a segment must lie inside the window the peer granted, and its
 * ACK must not acknowledge data never sent. */
#include "fw.h"
#include "pkt.h"

#include <arpa/inet.h>
#include <string.h>

#define MAX_ACK_WINDOW (65535u + 1500u) /* pf's MAXACKWINDOW slack */
#define MAX_WSCALE 14u

/* Modular sequence comparisons (RFC 1323 / pf's SEQ_GEQ). */
static int seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

static void read_wscale(struct fw_peer *pe, const struct pkt *p)
{
    struct pkt_tcp_opt opts[16];
    int n = pkt_tcp_options(p, opts, 16);
    for (int i = 0; i < n; i++)
        if (opts[i].kind == TCPOPT_WINDOW && opts[i].len == 3 && opts[i].data != NULL) {
            pe->wscale = opts[i].data[0] > MAX_WSCALE ? MAX_WSCALE : opts[i].data[0];
            pe->has_wscale = 1;
        }
}

void seq_reset(struct fw_conn *c)
{
    memset(c->peer, 0, sizeof c->peer);
}

int seq_track(struct fw_conn *c, const struct pkt *p, int dir)
{
    struct fw_peer *src = &c->peer[dir], *dst = &c->peer[dir ^ 1];
    const struct tcphdr *th = p->tcp;
    uint8_t flags = th->th_flags;
    uint32_t seq = ntohl(th->th_seq), ack = ntohl(th->th_ack);
    uint32_t len = p->ip_len > p->ip_hlen + p->tcp_hlen ? p->ip_len - p->ip_hlen - p->tcp_hlen : 0;
    uint32_t end = seq + len + ((flags & TH_SYN) ? 1u : 0u) + ((flags & TH_FIN) ? 1u : 0u);
    uint32_t win = ntohs(th->th_win); /* as sent: scaled below */

    if (!src->started) {
        /* First segment from this side (normally its SYN) opens its half. */
        if (flags & TH_SYN) read_wscale(src, p);
        src->started = 1;
        src->seqlo = seq; /* as pf: raised to end once the segment passes */
        src->max_win = win;
        uint32_t dws0 = src->has_wscale && dst->has_wscale ? dst->wscale : 0;
        uint32_t granted = dst->max_win << dws0;
        src->seqhi = end + (granted > 0 ? granted : 1u);
    }
    int scaled = src->has_wscale && dst->has_wscale;
    uint32_t sws = scaled ? src->wscale : 0, dws = scaled ? dst->wscale : 0;
    uint32_t swin = (flags & TH_SYN) ? win : win << sws; /* a SYN's window is never scaled */
    if (flags & TH_RST) return 1; /* pf checks RSTs against the window too; we let them close */

    /* Before the peer has advertised a window pf counts it as 1 (SYN retransmissions). */
    uint32_t peer_win = (dst->max_win > 0 ? dst->max_win : 1u) << dws;
    int ok = seq_geq(src->seqhi, end) && seq_geq(seq, src->seqlo - peer_win);
    if ((flags & TH_ACK) && dst->started) {
        /* ackskew = dst->seqlo - ack: an ACK may lag what dst sent, never lead it. */
        int32_t ackskew = (int32_t)(dst->seqlo - ack);
        ok = ok && ackskew >= -(int32_t)MAX_ACK_WINDOW && ackskew <= (int32_t)(MAX_ACK_WINDOW << sws);
    }
    if (!ok) return 0;
    if (win > src->max_win) src->max_win = win;
    if (seq_geq(end, src->seqlo)) src->seqlo = end;
    if ((flags & TH_ACK) && dst->started) {
        uint32_t hi = ack + (swin > 0 ? swin : 1u);
        if (seq_geq(hi, dst->seqhi)) dst->seqhi = hi;
    }
    return 1;
}
