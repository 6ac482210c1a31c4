/* pkt.c — bounds-checked frame decoder (see pkt.h for the API).
 * Every read is preceded by a captured-length check (tcpdump's ND_TCHECK
 * discipline); `bp`/`left` advance together and a short header ends in
 * `goto invalid`. */
#include "pkt.h"

#include <string.h>
#include <arpa/inet.h>

#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_MPLS_UC 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define LINKTYPE_RAW_ 101         /* LINKTYPE_RAW as written in savefiles */
#define SLL_HDR_LEN 16

/* Big-endian extracts; callers have already checked the length. */
static uint16_t be16(const u_char *b) { return (uint16_t)((b[0] << 8) | b[1]); }

static void pkt_init(struct pkt *p, const struct pcap_pkthdr *h,
                     const u_char *bytes) {
  memset(p, 0, sizeof *p);
  p->ts = h->ts;
  p->caplen = h->caplen;
  p->len = h->len;
  p->frame = bytes;
}

/* Decode a TCP/UDP/ICMP header at bp (left captured bytes, clipped to the IP
 * length by the caller). */
static int decode_l4(struct pkt *p, const u_char *bp, uint32_t left) {
  p->l4 = bp;
  p->l4_len = left;
  p->l4_off = (uint32_t)(bp - p->frame);
  switch (p->l4_proto) {
  case IPPROTO_TCP: {
    if (left < 20) goto invalid;
    uint32_t hlen = (uint32_t)(bp[12] >> 4) * 4;
    if (hlen < 20 || hlen > left) goto invalid;
    memcpy(p->tcp_copy.raw, bp, hlen);
    p->tcp = &p->tcp_copy.h;
    p->tcp_hlen = hlen;
    p->payload = bp + hlen;
    p->payload_len = left - hlen;
    return PKT_L4;
  }
  case IPPROTO_UDP:
    if (left < 8) goto invalid;
    memcpy(p->udp_copy.raw, bp, 8);
    p->udp = &p->udp_copy.h;
    p->payload = bp + 8;
    p->payload_len = left - 8;
    return PKT_L4;
  case IPPROTO_ICMP:
  case IPPROTO_ICMPV6:
    if (left < 8) goto invalid;
    memcpy(p->icmp_copy.raw, bp, 8);
    if (p->l4_proto == IPPROTO_ICMP && p->ip_version == 4)
      p->icmp = &p->icmp_copy.h;
    else if (p->l4_proto == IPPROTO_ICMPV6 && p->ip_version == 6)
      p->icmp6 = &p->icmp_copy.h6;
    else
      return PKT_L3;
    p->payload = bp + 8;
    p->payload_len = left - 8;
    return PKT_L4;
  default:
    return PKT_L3;
  }
invalid:
  p->invalid_reason = "truncated L4 header";
  return PKT_INVALID;
}

/*  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |Version|  IHL  |Type of Service|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |   */
static int decode_ipv4(struct pkt *p, const u_char *bp, uint32_t left) {
  if (left < 20) goto invalid;
  if ((bp[0] >> 4) != 4) goto invalid;
  uint32_t hlen = (uint32_t)(bp[0] & 0x0f) * 4;
  if (hlen < 20 || hlen > left) goto invalid;
  uint32_t tot = be16(bp + 2);
  /* ip_len 0 appears in captures taken with TCP segmentation offload: trust
   * the captured length then. */
  if (tot == 0) tot = left;
  if (tot < hlen) goto invalid;
  memcpy(p->ip_copy.raw, bp, hlen);
  p->ip = &p->ip_copy.h;
  p->ip_version = 4;
  p->l3_off = (uint32_t)(bp - p->frame);
  p->ip_hlen = hlen;
  p->ip_len = tot;
  p->l4_proto = p->ip->ip_p; /* through the header struct, as the analyzer maps fields by name */
  uint16_t off = be16(bp + 6);
  if ((off & IP_OFFMASK) != 0) {
    p->frag = PKT_FRAG_LATER;
    return PKT_L3;
  }
  if (off & IP_MF) p->frag = PKT_FRAG_FIRST;
  uint32_t l4left = (tot < left ? tot : left) - hlen;
  return decode_l4(p, bp + hlen, l4left);
invalid:
  p->invalid_reason = "bad IPv4 header";
  return PKT_INVALID;
}

/* IPv6: fixed 40-byte header, then a chain of extension headers each starting
 * with (next header, length). */
static int decode_ipv6(struct pkt *p, const u_char *bp, uint32_t left) {
  if (left < 40) goto invalid;
  if ((bp[0] >> 4) != 6) goto invalid;
  memcpy(p->ip6_copy.raw, bp, 40);
  p->ip6 = &p->ip6_copy.h;
  p->ip_version = 6;
  p->l3_off = (uint32_t)(bp - p->frame);
  uint32_t plen = be16(bp + 4);
  p->ip_len = 40 + plen;
  if (plen == 0) p->ip_len = left; /* jumbogram or TSO: use what we have */
  uint32_t avail = (p->ip_len < left ? p->ip_len : left);
  uint8_t nxt = p->ip6->ip6_nxt;
  uint32_t off = 40;
  for (int i = 0; i < PKT_MAX_IP6_EXT; i++) {
    uint32_t elen;
    switch (nxt) {
    case IPPROTO_HOPOPTS:
    case IPPROTO_ROUTING:
    case IPPROTO_DSTOPTS:
    case 135: /* mobility header */
      if (avail < off + 2) goto invalid;
      elen = ((uint32_t)bp[off + 1] + 1) * 8;
      break;
    case IPPROTO_AH:
      if (avail < off + 2) goto invalid;
      elen = ((uint32_t)bp[off + 1] + 2) * 4;
      break;
    case IPPROTO_FRAGMENT:
      if (avail < off + 8) goto invalid;
      elen = 8;
      if ((be16(bp + off + 2) & 0xfff8) != 0) {
        p->frag = PKT_FRAG_LATER;
        p->l4_proto = bp[off];
        p->ip_hlen = off + 8;
        return PKT_L3;
      }
      if (be16(bp + off + 2) & 1) p->frag = PKT_FRAG_FIRST;
      break;
    default:
      p->l4_proto = nxt;
      p->ip_hlen = off;
      return decode_l4(p, bp + off, avail - off);
    }
    if (avail < off + elen) goto invalid;
    nxt = bp[off];
    off += elen;
  }
  /* Too many extension headers: leave L4 undecoded. */
  p->l4_proto = nxt;
  p->ip_hlen = off;
  return PKT_L3;
invalid:
  p->invalid_reason = "bad IPv6 header";
  return PKT_INVALID;
}

static int decode_ethertype(struct pkt *p, uint16_t type, const u_char *bp,
                            uint32_t left) {
  p->ether_type = type;
  p->l3_off = (uint32_t)(bp - p->frame); /* also for ARP etc. */
  if (type == ETHERTYPE_IP) return decode_ipv4(p, bp, left);
  if (type == ETHERTYPE_IPV6) return decode_ipv6(p, bp, left);
  return PKT_L2;
}

/* MPLS label stack entry: label(20) TC(3) S(1) TTL(8). After the bottom of
 * stack the payload type is not signalled; guess from the IP version nibble
 * as routers and Wireshark do. */
static int decode_mpls(struct pkt *p, const u_char *bp, uint32_t left) {
  for (;;) {
    if (left < 4) goto invalid;
    if (p->mpls_count >= PKT_MAX_MPLS) return PKT_L2;
    p->mpls_count++;
    int bottom = bp[2] & 1;
    bp += 4;
    left -= 4;
    if (bottom) break;
  }
  if (left < 1) return PKT_L2;
  if ((bp[0] >> 4) == 4) return decode_ethertype(p, ETHERTYPE_IP, bp, left);
  if ((bp[0] >> 4) == 6) return decode_ethertype(p, ETHERTYPE_IPV6, bp, left);
  return PKT_L2;
invalid:
  p->invalid_reason = "truncated MPLS label stack";
  return PKT_INVALID;
}

/* Ethernet II, then any number (up to PKT_MAX_VLAN) of 802.1Q / 802.1ad tags
 * (TPID 0x8100 / 0x88a8 / 0x9100, then TCI, then the next ethertype). */
static int decode_ether(struct pkt *p, const u_char *bp, uint32_t left) {
  if (left < ETHER_HDR_LEN) goto invalid;
  p->eth = (const struct ether_header *)bp;
  uint16_t type = be16(bp + 12);
  bp += ETHER_HDR_LEN;
  left -= ETHER_HDR_LEN;
  while (type == ETHERTYPE_VLAN || type == ETHERTYPE_8021AD ||
         type == ETHERTYPE_QINQ_OLD) {
    if (left < 4) goto invalid;
    if (p->vlan_count >= PKT_MAX_VLAN) return PKT_L2;
    if (p->vlan_count == 0) p->vlan_id = be16(bp) & 0x0fff;
    p->vlan_count++;
    type = be16(bp + 2);
    bp += 4;
    left -= 4;
  }
  if (type <= ETHERMTU) { /* 802.3 length field: LLC/SNAP, not IP here */
    p->ether_type = 0;
    return PKT_L2;
  }
  if (type == ETHERTYPE_MPLS_UC || type == ETHERTYPE_MPLS_MC) {
    p->ether_type = type;
    return decode_mpls(p, bp, left);
  }
  return decode_ethertype(p, type, bp, left);
invalid:
  p->invalid_reason = "truncated Ethernet/VLAN header";
  return PKT_INVALID;
}

/* Linux cooked capture v1: 16-byte header, protocol type in the last 2. */
static int decode_sll(struct pkt *p, const u_char *bp, uint32_t left) {
  if (left < SLL_HDR_LEN) {
    p->invalid_reason = "truncated SLL header";
    return PKT_INVALID;
  }
  return decode_ethertype(p, be16(bp + 14), bp + SLL_HDR_LEN,
                          left - SLL_HDR_LEN);
}

static int decode_raw(struct pkt *p, const u_char *bp, uint32_t left) {
  if (left < 1) {
    p->invalid_reason = "empty raw IP packet";
    return PKT_INVALID;
  }
  if ((bp[0] >> 4) == 4) return decode_ethertype(p, ETHERTYPE_IP, bp, left);
  if ((bp[0] >> 4) == 6) return decode_ethertype(p, ETHERTYPE_IPV6, bp, left);
  p->invalid_reason = "raw packet is neither IPv4 nor IPv6";
  return PKT_INVALID;
}

int pkt_decode(struct pkt *p, int linktype, const struct pcap_pkthdr *h,
               const u_char *bytes) {
  pkt_init(p, h, bytes);
  /* A header claiming more captured bytes than the wire length is corrupt;
   * trust the smaller (we were handed at most caplen bytes). */
  uint32_t left = h->caplen;
  if (bytes == NULL) left = 0;
  switch (linktype) {
  case DLT_EN10MB:
    return decode_ether(p, bytes, left);
  case DLT_LINUX_SLL:
    return decode_sll(p, bytes, left);
  case DLT_RAW:
  case LINKTYPE_RAW_:
    return decode_raw(p, bytes, left);
  default:
    p->invalid_reason = "unsupported link type";
    return PKT_INVALID;
  }
}

/* TCP options: kind 0 = end, 1 = NOP, else kind,len,value (len >= 2). */
int pkt_tcp_options(const struct pkt *p, struct pkt_tcp_opt *opts, int max) {
  if (p->tcp == NULL || max <= 0) return 0;
  const u_char *bp = p->tcp_copy.raw + 20;
  uint32_t left = p->tcp_hlen - 20;
  int n = 0;
  while (left > 0 && n < max) {
    uint8_t kind = bp[0];
    if (kind == TCPOPT_EOL || kind == TCPOPT_NOP) {
      opts[n].kind = kind;
      opts[n].len = 1;
      opts[n].data = NULL;
      n++;
      if (kind == TCPOPT_EOL) break;
      bp++;
      left--;
      continue;
    }
    if (left < 2) break;
    uint8_t len = bp[1];
    if (len < 2 || len > left) break; /* malformed option: stop walking */
    opts[n].kind = kind;
    opts[n].len = len;
    opts[n].data = len > 2 ? bp + 2 : NULL;
    n++;
    bp += len;
    left -= len;
  }
  return n;
}

uint16_t pkt_sport(const struct pkt *p) {
  if (p->tcp) return ntohs(p->tcp->th_sport);
  if (p->udp) return ntohs(p->udp->uh_sport);
  return 0;
}

uint16_t pkt_dport(const struct pkt *p) {
  if (p->tcp) return ntohs(p->tcp->th_dport);
  if (p->udp) return ntohs(p->udp->uh_dport);
  return 0;
}

const char *pkt_status_name(int status) {
  switch (status) {
  case PKT_INVALID: return "invalid";
  case PKT_L2: return "l2";
  case PKT_L3: return "l3";
  case PKT_L4: return "l4";
  default: return "?";
  }
}
