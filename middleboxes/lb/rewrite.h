/* rewrite.h — in-place rewriting of IPv4 addresses and L4 ports in a copied
 * frame, with RFC 1624 incremental updates of the IP and TCP/UDP checksums. */
#ifndef LB_REWRITE_H
#define LB_REWRITE_H

#include "pkt.h"

enum rw_side { RW_SRC = 0, RW_DST = 1 };

/* Rewrites the source or destination address (network order) and port (host
 * order) of the decoded IPv4 packet p held in frame. Later fragments carry no
 * L4 header, so only their address changes. */
void rw_ipv4_endpoint(u_char *frame, const struct pkt *p, enum rw_side side, uint32_t addr, uint16_t port);

#endif
