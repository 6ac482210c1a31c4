/* rewrite.h — in-place NAT rewriting of a copied IPv4 frame: addresses, ports,
 * ICMP echo ids and the packet quoted inside ICMP errors, each with RFC 1624
 * incremental checksum updates. */
#ifndef NAT_REWRITE_H
#define NAT_REWRITE_H

#include "pkt.h"

enum rw_side { RW_SRC = 0, RW_DST = 1 };

/* Offsets of the packet quoted in an ICMP error, once bounds-checked. */
struct rw_inner {
    uint32_t ip_off;        /* inner IPv4 header, frame offset */
    uint32_t l4_off;        /* inner L4 header, frame offset */
    uint32_t l4_avail;      /* captured inner L4 bytes (>= 8) */
    uint32_t saddr, daddr;  /* network order */
    uint16_t sport, dport;  /* host order; echo id as sport, 0 as dport for ICMP */
    uint8_t proto;
};

/* Rewrites the source or destination address (network order) and the
 * matching port (host order) — for ICMP echo the id, whichever side. */
void rw_ipv4_endpoint(u_char *frame, const struct pkt *p, enum rw_side side, uint32_t addr, uint16_t port);

/* Parses the packet quoted by an ICMP error (types 3, 4, 5, 11, 12) with bounds
 * checks; returns 0 and fills *in, or -1. */
int rw_icmp_inner(const u_char *frame, const struct pkt *p, struct rw_inner *in);

/* Rewrites one endpoint of the quoted packet and the outer ICMP checksum. */
void rw_icmp_inner_endpoint(u_char *frame, const struct pkt *p, const struct rw_inner *in, enum rw_side side,
                            uint32_t addr, uint16_t port);

/* Rewrites the outer IPv4 address only (IP header checksum). */
void rw_ipv4_addr(u_char *frame, const struct pkt *p, enum rw_side side, uint32_t addr);

#endif
