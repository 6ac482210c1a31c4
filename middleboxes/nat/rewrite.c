/* rewrite.c — NAT field rewriting with incremental checksums (common/csum.c).
 * Outer writes stay inside headers pkt_decode has bounds-checked; the quoted
 * packet of an ICMP error is checked here against the captured length first. */
#include "rewrite.h"

#include "csum.h"

static uint16_t get16(const u_char *b) { return (uint16_t)((b[0] << 8) | b[1]); }
static void put16(u_char *b, uint16_t v) { b[0] = (u_char)(v >> 8); b[1] = (u_char)v; }
static uint32_t get32(const u_char *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
static void put32(u_char *b, uint32_t v)
{
    put16(b, (uint16_t)(v >> 16));
    put16(b + 2, (uint16_t)v);
}

/* Replace a 16-bit word and fold the change into the checksum at csum. */
static void patch16(u_char *w, u_char *csum, uint16_t v)
{
    uint16_t old = get16(w);
    put16(w, v);
    put16(csum, csum_update16(get16(csum), old, v));
}

static void patch32(u_char *w, u_char *csum, uint32_t v)
{
    uint32_t old = get32(w);
    put32(w, v);
    put16(csum, csum_update32(get16(csum), old, v));
}

void rw_ipv4_addr(u_char *frame, const struct pkt *p, enum rw_side side, uint32_t addr)
{
    u_char *ip = frame + p->l3_off;
    patch32(ip + (side == RW_SRC ? 12 : 16), ip + 10, ntohl(addr));
}

void rw_ipv4_endpoint(u_char *frame, const struct pkt *p, enum rw_side side, uint32_t addr, uint16_t port)
{
    u_char *a = frame + p->l3_off + (side == RW_SRC ? 12 : 16);
    uint32_t old_addr = get32(a);
    rw_ipv4_addr(frame, p, side, addr);
    if (p->frag == PKT_FRAG_LATER || p->l4 == NULL) return;
    u_char *l4 = frame + p->l4_off;
    if (p->icmp != NULL) {
        /* ICMPv4 has no pseudo-header: only the echo id changes its sum. */
        patch16(l4 + 4, l4 + 2, port);
        return;
    }
    uint32_t coff = p->tcp != NULL ? 16u : 6u;
    if (p->tcp == NULL && p->udp == NULL) return;
    u_char *pt = l4 + (side == RW_SRC ? 0 : 2);
    uint16_t old_port = get16(pt);
    put16(pt, port);
    uint16_t c = get16(l4 + coff);
    if (p->udp != NULL && c == 0) return; /* UDP without checksum (RFC 768) */
    c = csum_update32(c, old_addr, ntohl(addr));
    c = csum_update16(c, old_port, port);
    if (p->udp != NULL && c == 0) c = 0xffff;
    put16(l4 + coff, c);
}

int rw_icmp_inner(const u_char *frame, const struct pkt *p, struct rw_inner *in)
{
    if (p->icmp == NULL || p->frag != PKT_FRAG_NONE) return -1;
    uint8_t type = p->icmp->type;
    if (type != 3 && type != 4 && type != 5 && type != 11 && type != 12) return -1;
    if (p->l4_len < 8 + 20) return -1;
    const u_char *ip = frame + p->l4_off + 8;
    if ((ip[0] >> 4) != 4) return -1;
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4u;
    if (ihl < 20 || p->l4_len < 8 + ihl + 8) return -1;
    if ((get16(ip + 6) & 0x1fff) != 0) return -1; /* quoted later fragment: no ports */
    in->ip_off = p->l4_off + 8;
    in->l4_off = in->ip_off + ihl;
    in->l4_avail = p->l4_len - 8 - ihl;
    in->proto = ip[9];
    in->saddr = htonl(get32(ip + 12));
    in->daddr = htonl(get32(ip + 16));
    const u_char *l4 = frame + in->l4_off;
    if (in->proto == IPPROTO_TCP || in->proto == IPPROTO_UDP) {
        in->sport = get16(l4);
        in->dport = get16(l4 + 2);
    } else if (in->proto == IPPROTO_ICMP && (l4[0] == 8 || l4[0] == 0)) {
        in->sport = get16(l4 + 4);
        in->dport = 0;
    } else {
        return -1;
    }
    return 0;
}

void rw_icmp_inner_endpoint(u_char *frame, const struct pkt *p, const struct rw_inner *in, enum rw_side side,
                            uint32_t addr, uint16_t port)
{
    u_char *icsum = frame + p->l4_off + 2;  /* outer ICMP checksum covers all of it */
    u_char *ip = frame + in->ip_off;
    u_char *l4 = frame + in->l4_off;
    uint32_t old_addr = get32(ip + (side == RW_SRC ? 12 : 16));
    /* Inner IP header checksum, then the word itself, each seen by the outer sum. */
    uint16_t old_ipsum = get16(ip + 10);
    uint16_t new_ipsum = csum_update32(old_ipsum, old_addr, ntohl(addr));
    patch16(ip + 10, icsum, new_ipsum);
    patch32(ip + (side == RW_SRC ? 12 : 16), icsum, ntohl(addr));
    if (in->proto == IPPROTO_ICMP) {
        /* Quoted echo: its id and its own checksum (no pseudo-header). */
        patch16(l4 + 2, icsum, csum_update16(get16(l4 + 2), get16(l4 + 4), port));
        patch16(l4 + 4, icsum, port);
        return;
    }
    u_char *pt = l4 + (side == RW_SRC ? 0 : 2);
    uint16_t old_port = get16(pt);
    patch16(pt, icsum, port);
    /* The quoted L4 checksum, when captured (UDP always: it sits in the first 8 bytes). */
    uint32_t coff = in->proto == IPPROTO_TCP ? 16u : 6u;
    if (in->l4_avail < coff + 2) return;
    uint16_t c = get16(l4 + coff);
    if (in->proto == IPPROTO_UDP && c == 0) return;
    c = csum_update32(c, old_addr, ntohl(addr));
    c = csum_update16(c, old_port, port);
    patch16(l4 + coff, icsum, c);
}
