/* rewrite.c — DNAT/SNAT field rewriting with incremental checksum update
 * (RFC 1624 via common/csum.c); every write is inside headers that pkt_decode
 * has already bounds-checked (IP header, full TCP header or 8-byte UDP header). */
#include "rewrite.h"

#include "csum.h"

#include <string.h>

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

/* L4 checksum offset, or 0 when the protocol has none we must fix. */
static uint32_t l4_csum_off(const struct pkt *p)
{
    if (p->tcp != NULL) return 16;
    if (p->udp != NULL) return 6;
    return 0;
}

void rw_ipv4_endpoint(u_char *frame, const struct pkt *p, enum rw_side side, uint32_t addr, uint16_t port)
{
    u_char *ip = frame + p->l3_off;
    u_char *a = ip + (side == RW_SRC ? 12 : 16);
    uint32_t old_addr = get32(a);
    uint32_t new_addr = ntohl(addr);
    put32(a, new_addr);
    put16(ip + 10, csum_update32(get16(ip + 10), old_addr, new_addr));
    if (p->frag == PKT_FRAG_LATER || p->l4 == NULL) return;

    u_char *l4 = frame + p->l4_off;
    uint32_t coff = l4_csum_off(p);
    if (coff == 0) return;
    u_char *pt = l4 + (side == RW_SRC ? 0 : 2);
    uint16_t old_port = get16(pt);
    put16(pt, port);
    uint16_t old_csum = get16(l4 + coff);
    /* UDP checksum 0 means "none" (RFC 768): leave it so. */
    if (p->udp != NULL && old_csum == 0) return;
    uint16_t c = csum_update32(old_csum, old_addr, new_addr); /* pseudo-header */
    c = csum_update16(c, old_port, port);
    if (p->udp != NULL && c == 0) c = 0xffff;
    put16(l4 + coff, c);
}
