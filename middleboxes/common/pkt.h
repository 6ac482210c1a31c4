/* pkt.h — tcpdump-style, bounds-checked decoding of one captured frame
 * (Ethernet / 802.1Q / 802.1ad / MPLS / IPv4 / IPv6 / TCP / UDP / ICMP).
 *
 * API
 *   int pkt_decode(struct pkt *p, int linktype, const struct pcap_pkthdr *h,
 *                  const u_char *bytes);
 *       Fills *p (always fully initialised, never reads past h->caplen) and
 *       returns one of enum pkt_status. The IP/TCP/UDP/ICMP header pointers
 *       point to ALIGNED COPIES held inside *p (frames put the IP header at
 *       offset 14, which would make struct field loads misaligned — undefined
 *       behaviour that UBSan rejects), so *p must not be copied by value and
 *       the pointers live as long as *p. `eth` and `payload` point into the
 *       caller's buffer. Never keep any of them in middlebox state: copy the
 *       fields you need. To rewrite a packet (NAT, LB), copy the frame and
 *       write at the byte offsets l3_off / l4_off.
 *   int pkt_tcp_options(const struct pkt *p, struct pkt_tcp_opt *opts, int max);
 *       Walks the TCP options of a decoded segment with bounds checks.
 *   uint16_t pkt_sport(const struct pkt *p), pkt_dport(...): host-order L4
 *       ports for TCP/UDP (0 otherwise).
 *
 * Header fields are read through the standard structs (struct ip: ip_src,
 * ip_dst, ip_p, ip_ttl; struct ip6_hdr: ip6_src, ip6_dst; struct tcphdr:
 * th_sport, th_dport, th_flags, th_seq, th_ack; struct udphdr: uh_sport,
 * uh_dport; struct icmphdr: type, code, un.echo.id) so that the analyzer can
 * map each access to a canonical flowspace field name.
 *
 * Invariants on success levels:
 *   p->ip  != NULL  ⇒ at least p->ip->ip_hl*4 (>= 20) bytes are captured.
 *   p->ip6 != NULL  ⇒ 40 bytes are captured.
 *   p->tcp != NULL  ⇒ p->tcp_hlen (>= 20, = th_off*4) bytes are captured.
 *   p->udp != NULL  ⇒ 8 bytes captured; p->icmp / p->icmp6 ⇒ 8 bytes captured.
 *   payload/payload_len: captured application bytes, clipped to the IP length
 *   (Ethernet padding is excluded).
 *   L4 is never decoded for non-first IPv4/IPv6 fragments.
 */
#ifndef STATELAB_PKT_H
#define STATELAB_PKT_H

#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <net/ethernet.h>
#include <pcap/pcap.h>

#define PKT_MAX_VLAN 4       /* stacked 802.1Q/802.1ad tags we follow */
#define PKT_MAX_MPLS 8       /* MPLS labels we follow */
#define PKT_MAX_IP6_EXT 8    /* IPv6 extension headers we skip */

/* What pkt_decode managed to decode. Anything but PKT_INVALID is a well-formed
 * (possibly non-IP) frame; PKT_INVALID keeps the layers decoded before the
 * malformed one. */
enum pkt_status {
  PKT_INVALID = -1, /* a header was truncated or inconsistent */
  PKT_L2 = 0,       /* link layer only: non-IP (ARP, LLC, IS-IS, ...) */
  PKT_L3 = 1,       /* IP, but no L4 header (later fragment, other protocol) */
  PKT_L4 = 2        /* IP plus a TCP, UDP, ICMP or ICMPv6 header */
};

enum pkt_frag {
  PKT_FRAG_NONE = 0,  /* not fragmented */
  PKT_FRAG_FIRST = 1, /* offset 0, more fragments follow: L4 header present */
  PKT_FRAG_LATER = 2  /* offset > 0: no L4 header here */
};

struct pkt {
  struct timeval ts;                 /* copied from the pcap header */
  uint32_t caplen, len;              /* captured / on-the-wire length */
  const u_char *frame;               /* first byte of the frame */
  const struct ether_header *eth;    /* NULL for non-Ethernet link types */
  uint16_t ether_type;               /* innermost ethertype, host order */
  uint16_t vlan_id;                  /* outermost VLAN ID (12 bits), 0 if none */
  uint8_t vlan_count, mpls_count;    /* tags / labels skipped */
  uint8_t ip_version;                /* 4, 6, or 0 for non-IP */
  uint8_t frag;                      /* enum pkt_frag */
  uint32_t l3_off, l4_off;           /* byte offsets of the network header
                                        (IP, or ARP etc. after the ethertype)
                                        and of L4 in frame */
  const struct ip *ip;               /* IPv4 header or NULL */
  const struct ip6_hdr *ip6;         /* IPv6 header or NULL */
  uint32_t ip_hlen;                  /* IPv4 header or IPv6 header+ext bytes */
  uint32_t ip_len;                   /* IP datagram length from the header */
  uint8_t l4_proto;                  /* IPPROTO_* (after IPv6 ext headers) */
  const u_char *l4;                  /* first L4 byte, or NULL */
  uint32_t l4_len;                   /* captured L4 bytes (clipped to ip_len) */
  const struct tcphdr *tcp;          /* or NULL */
  uint32_t tcp_hlen;                 /* th_off * 4 */
  const struct udphdr *udp;          /* or NULL */
  const struct icmphdr *icmp;        /* ICMPv4 or NULL */
  const struct icmp6_hdr *icmp6;     /* ICMPv6 or NULL */
  const u_char *payload;             /* application bytes after L4, or NULL */
  uint32_t payload_len;              /* captured payload bytes */
  const char *invalid_reason;        /* static string when PKT_INVALID */
  /* Aligned copies the header pointers above refer to. */
  union { struct ip h; u_char raw[60]; } ip_copy;
  union { struct ip6_hdr h; u_char raw[40]; } ip6_copy;
  union { struct tcphdr h; u_char raw[60]; } tcp_copy;
  union { struct udphdr h; u_char raw[8]; } udp_copy;
  union { struct icmphdr h; struct icmp6_hdr h6; u_char raw[8]; } icmp_copy;
};

struct pkt_tcp_opt {
  uint8_t kind;                      /* TCPOPT_* */
  uint8_t len;                       /* whole option length (1 for NOP/EOL) */
  const u_char *data;                /* len-2 value bytes, NULL if none */
};

int pkt_decode(struct pkt *p, int linktype, const struct pcap_pkthdr *h,
               const u_char *bytes);
int pkt_tcp_options(const struct pkt *p, struct pkt_tcp_opt *opts, int max);
uint16_t pkt_sport(const struct pkt *p);
uint16_t pkt_dport(const struct pkt *p);
const char *pkt_status_name(int status);

#endif
