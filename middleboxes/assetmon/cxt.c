/* cxt.c — connection tracking in the manner of PRADS's cxt.c: a chained hash
 * table of connections keyed by the symmetric 5-tuple, updated per packet,
 * expired by end_sessions() from packet-timestamp time. */
#include "assetmon.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mbox_io.h"

struct connection *bucket[CXT_BUCKETS];

/* IPv4 addresses are kept as v4-mapped IPv6 so one key type serves both. */
static void addr_from_pkt(const struct pkt *p, struct in6_addr *src,
                          struct in6_addr *dst, uint8_t *af) {
  memset(src, 0, sizeof *src);
  memset(dst, 0, sizeof *dst);
  if (p->ip != NULL) {
    src->s6_addr[10] = dst->s6_addr[10] = 0xff;
    src->s6_addr[11] = dst->s6_addr[11] = 0xff;
    memcpy(&src->s6_addr[12], &p->ip->ip_src, 4);
    memcpy(&dst->s6_addr[12], &p->ip->ip_dst, 4);
    *af = AF_INET;
  } else {
    *src = p->ip6->ip6_src;
    *dst = p->ip6->ip6_dst;
    *af = AF_INET6;
  }
}

static uint32_t addr_sum(const struct in6_addr *a) {
  uint32_t s = 0;
  for (int i = 0; i < 16; i += 4)
    s += ((uint32_t)a->s6_addr[i] << 24) | ((uint32_t)a->s6_addr[i + 1] << 16) |
         ((uint32_t)a->s6_addr[i + 2] << 8) | a->s6_addr[i + 3];
  return s;
}

/* Symmetric by construction (sums), like PRADS's CXT_HASH4: both directions
 * of a connection land in the same bucket. Depends only on values. */
static uint32_t cxt_hash(const struct in6_addr *a, const struct in6_addr *b,
                         uint16_t pa, uint16_t pb, uint8_t proto) {
  uint32_t h = addr_sum(a) + addr_sum(b);
  h ^= (uint32_t)(pa + pb) * 2654435761u;
  h += proto;
  return h % CXT_BUCKETS;
}

static uint8_t tcp_flags(const struct pkt *p) {
  return p->tcp != NULL ? p->tcp->th_flags : 0;
}

static struct connection *cxt_new(const struct in6_addr *s, const struct in6_addr *d,
                                  uint16_t sp, uint16_t dp, uint8_t proto,
                                  uint8_t af, const struct pkt *p, uint32_t h) {
  struct connection *c = calloc(1, sizeof *c);
  if (c == NULL) mbox_die("assetmon: out of memory");
  c->s_ip = *s;
  c->d_ip = *d;
  c->s_port = sp;
  c->d_port = dp;
  c->proto = proto;
  c->af = af;
  c->vlan = p->vlan_id;
  c->start_time = p->ts.tv_sec;
  c->last_pkt_time = p->ts.tv_sec;
  c->next = bucket[h];
  if (bucket[h] != NULL) bucket[h]->prev = c;
  bucket[h] = c;
  stats.cxt_new++;
  return c;
}

/* Find or create the packet's connection and count the packet on its side.
 * *from_initiator is 1 when the packet was sent by the connection's "s"
 * side. A connection first seen by its SYN+ACK is oriented client→server. */
struct connection *cxt_update(const struct pkt *p, int *from_initiator) {
  struct in6_addr src, dst;
  uint8_t af;
  addr_from_pkt(p, &src, &dst, &af);
  uint16_t sp = pkt_sport(p), dp = pkt_dport(p);
  uint8_t proto = p->l4_proto;
  uint32_t h = cxt_hash(&src, &dst, sp, dp, proto);
  struct connection *c;
  for (c = bucket[h]; c != NULL; c = c->next) {
    if (c->proto != proto || c->af != af) continue;
    if (c->s_port == sp && c->d_port == dp &&
        memcmp(&c->s_ip, &src, sizeof src) == 0 &&
        memcmp(&c->d_ip, &dst, sizeof dst) == 0) {
      *from_initiator = 1;
      break;
    }
    if (c->s_port == dp && c->d_port == sp &&
        memcmp(&c->s_ip, &dst, sizeof dst) == 0 &&
        memcmp(&c->d_ip, &src, sizeof src) == 0) {
      *from_initiator = 0;
      break;
    }
  }
  uint8_t fl = tcp_flags(p);
  if (c == NULL) {
    if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
      c = cxt_new(&dst, &src, dp, sp, proto, af, p, h);
      *from_initiator = 0;
    } else {
      c = cxt_new(&src, &dst, sp, dp, proto, af, p, h);
      *from_initiator = 1;
    }
  }
  /* Timestamps in some traces step backwards; never move time back. */
  if (p->ts.tv_sec > c->last_pkt_time) c->last_pkt_time = p->ts.tv_sec;
  if (*from_initiator) {
    c->s_total_pkts++;
    c->s_total_bytes += p->len;
    c->s_tcpFlags |= fl;
  } else {
    c->d_total_pkts++;
    c->d_total_bytes += p->len;
    c->d_tcpFlags |= fl;
  }
  return c;
}

static time_t cxt_timeout(const struct connection *c) {
  if (c->proto == IPPROTO_TCP) {
    if ((c->s_tcpFlags | c->d_tcpFlags) & (TH_FIN | TH_RST))
      return TCP_CLOSED_TIMEOUT;
    return TCP_TIMEOUT;
  }
  if (c->proto == IPPROTO_UDP) return UDP_TIMEOUT;
  return OTHER_TIMEOUT;
}

static void cxt_unlink(uint32_t h, struct connection *c) {
  if (c->prev != NULL) c->prev->next = c->next;
  else bucket[h] = c->next;
  if (c->next != NULL) c->next->prev = c->prev;
}

/* Expiry sweep over every bucket (PRADS end_sessions): a connection idle
 * longer than its timeout is removed; all=1 removes everything (shutdown). */
void end_sessions(time_t now, int all) {
  for (uint32_t h = 0; h < CXT_BUCKETS; h++) {
    struct connection *c = bucket[h];
    while (c != NULL) {
      struct connection *next = c->next;
      if (all || now - c->last_pkt_time > cxt_timeout(c)) {
        cxt_unlink(h, c);
        free(c);
        if (!all) stats.cxt_expired++;
      }
      c = next;
    }
  }
}
