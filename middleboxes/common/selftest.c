/* selftest.c — unit tests of pkt_decode and the checksum helpers: decodes
 * hand-built frames, checks every header field, and decodes every truncation
 * of them (run under ASan/UBSan by `make test`). Exit 0 = all passed. */
#include "csum.h"
#include "pkt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "selftest.c:%d: check failed: %s\n", __LINE__, #cond); \
      failures++;                                                            \
    }                                                                        \
  } while (0)

/* Ethernet + 802.1ad + 802.1Q + IPv4 (4 bytes of options) + TCP with MSS,
 * NOP, WS, SACKOK, TS options (40-byte header) + 5 payload bytes + 2 bytes of
 * Ethernet padding. */
static size_t build_qinq_tcp(u_char *f) {
  size_t n = 0;
  const u_char eth[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x88, 0xa8};
  memcpy(f + n, eth, sizeof eth); n += sizeof eth;
  const u_char tags[] = {0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00};
  memcpy(f + n, tags, sizeof tags); n += sizeof tags;
  size_t ip = n;
  const u_char iph[] = {0x46, 0x00, 0, 0, 0x12, 0x34, 0x40, 0x00, 64, 6, 0, 0,
                        10, 0, 0, 1, 192, 168, 1, 2, 1, 1, 1, 0};
  memcpy(f + n, iph, sizeof iph); n += sizeof iph;
  const u_char tcp[] = {0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0,
                        0xa0, 0x02, 0x72, 0x10, 0, 0, 0, 0,
                        2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10,
                        0, 0, 0, 1, 0, 0, 0, 0};
  memcpy(f + n, tcp, sizeof tcp); n += sizeof tcp;
  memcpy(f + n, "hello", 5); n += 5;
  uint16_t tot = (uint16_t)(n - ip);
  f[ip + 2] = (u_char)(tot >> 8);
  f[ip + 3] = (u_char)tot;
  uint16_t c = csum_buf(f + ip, 24);
  f[ip + 10] = (u_char)(c >> 8);
  f[ip + 11] = (u_char)c;
  f[n++] = 0xee; /* Ethernet padding: must not show up as payload */
  f[n++] = 0xee;
  return n;
}

static void test_qinq_tcp(void) {
  u_char f[256];
  size_t n = build_qinq_tcp(f);
  struct pcap_pkthdr h = {{1, 2}, (bpf_u_int32)n, (bpf_u_int32)n};
  struct pkt p;
  CHECK(pkt_decode(&p, DLT_EN10MB, &h, f) == PKT_L4);
  CHECK(p.vlan_count == 2 && p.vlan_id == 100);
  CHECK(p.ether_type == ETHERTYPE_IP && p.ip_version == 4);
  CHECK(p.ip != NULL && p.ip_hlen == 24 && p.l3_off == 22);
  CHECK(p.ip->ip_src.s_addr == htonl(0x0a000001));
  CHECK(p.ip->ip_dst.s_addr == htonl(0xc0a80102));
  CHECK(p.ip->ip_p == IPPROTO_TCP && p.ip->ip_ttl == 64);
  CHECK(csum_buf(p.ip, p.ip_hlen) == 0); /* header checksum verifies */
  CHECK(p.tcp != NULL && p.tcp_hlen == 40 && p.l4_off == 46);
  CHECK(pkt_sport(&p) == 12345 && pkt_dport(&p) == 80);
  CHECK(p.tcp->th_flags == TH_SYN && ntohl(p.tcp->th_seq) == 1);
  CHECK(p.payload_len == 5 && memcmp(p.payload, "hello", 5) == 0);
  struct pkt_tcp_opt o[16];
  int k = pkt_tcp_options(&p, o, 16);
  CHECK(k == 5);
  CHECK(o[0].kind == TCPOPT_MAXSEG && o[0].len == 4 && o[0].data[0] == 0x05);
  CHECK(o[1].kind == TCPOPT_NOP && o[2].kind == TCPOPT_WINDOW && o[2].data[0] == 7);
  CHECK(o[3].kind == TCPOPT_SACK_PERMITTED && o[4].kind == TCPOPT_TIMESTAMP);
  /* Every truncation decodes without reading past caplen (ASan checks the
   * heap copy) and is invalid wherever a header is cut. */
  for (size_t cap = 0; cap <= n; cap++) {
    u_char *c = malloc(cap ? cap : 1);
    memcpy(c, f, cap);
    struct pcap_pkthdr t = {{0, 0}, (bpf_u_int32)cap, (bpf_u_int32)n};
    int st = pkt_decode(&p, DLT_EN10MB, &t, c);
    if (cap < 46 + 40) CHECK(st == PKT_INVALID);
    else CHECK(st == PKT_L4);
    free(c);
  }
}

static void test_ipv6_ext_udp_and_frag(void) {
  u_char f[128];
  memset(f, 0, sizeof f);
  const u_char eth[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd};
  memcpy(f, eth, 14);
  u_char *ip6 = f + 14;
  ip6[0] = 0x60;
  ip6[5] = 8 + 8 + 4; /* hop-by-hop (8) + UDP (8) + 4 payload */
  ip6[6] = IPPROTO_HOPOPTS;
  ip6[7] = 1;
  ip6[8] = 0x20; ip6[9] = 0x01; ip6[23] = 1;   /* 2001::1 */
  ip6[24] = 0x20; ip6[25] = 0x01; ip6[39] = 2; /* 2001::2 */
  u_char *hbh = ip6 + 40;
  hbh[0] = IPPROTO_UDP;
  hbh[1] = 0;
  u_char *udp = hbh + 8;
  udp[0] = 0x00; udp[1] = 53; udp[2] = 0x04; udp[3] = 0xd2; udp[5] = 12;
  size_t n = 14 + 40 + 8 + 8 + 4;
  struct pcap_pkthdr h = {{0, 0}, (bpf_u_int32)n, (bpf_u_int32)n};
  struct pkt p;
  CHECK(pkt_decode(&p, DLT_EN10MB, &h, f) == PKT_L4);
  CHECK(p.ip6 != NULL && p.ip_hlen == 48 && p.l4_proto == IPPROTO_UDP);
  CHECK(p.udp != NULL && pkt_sport(&p) == 53 && pkt_dport(&p) == 1234);
  CHECK(p.payload_len == 4);
  CHECK(p.ip6->ip6_dst.s6_addr[15] == 2);
  /* Later fragment: fragment header with offset 8 → no L4. */
  ip6[6] = IPPROTO_FRAGMENT;
  hbh[0] = IPPROTO_UDP;
  hbh[2] = 0x00; hbh[3] = 0x08;
  CHECK(pkt_decode(&p, DLT_EN10MB, &h, f) == PKT_L3);
  CHECK(p.frag == PKT_FRAG_LATER && p.udp == NULL);
}

static void test_ipv4_later_fragment_and_mpls(void) {
  u_char f[128];
  memset(f, 0, sizeof f);
  const u_char eth[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x88, 0x47};
  memcpy(f, eth, 14);
  const u_char labels[] = {0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40};
  memcpy(f + 14, labels, 8);
  u_char *ip = f + 22;
  const u_char iph[] = {0x45, 0, 0, 28, 0, 1, 0x00, 0x10, 64, 17, 0, 0,
                        1, 2, 3, 4, 5, 6, 7, 8};
  memcpy(ip, iph, 20);
  struct pcap_pkthdr h = {{0, 0}, 22 + 28, 22 + 28};
  struct pkt p;
  CHECK(pkt_decode(&p, DLT_EN10MB, &h, f) == PKT_L3);
  CHECK(p.mpls_count == 2 && p.frag == PKT_FRAG_LATER && p.udp == NULL);
  ip[6] = 0; ip[7] = 0; /* not a fragment → UDP decoded */
  CHECK(pkt_decode(&p, DLT_EN10MB, &h, f) == PKT_L4 && p.udp != NULL);
  ip[0] = 0x44; /* IHL 4 < 5 */
  CHECK(pkt_decode(&p, DLT_EN10MB, &h, f) == PKT_INVALID);
  f[12] = 0x08; f[13] = 0x06; /* ARP */
  CHECK(pkt_decode(&p, DLT_EN10MB, &h, f) == PKT_L2);
}

static void test_checksums(void) {
  /* RFC 1071 §3 example: sum 0xddf2 → checksum 0x220d. */
  const uint8_t v[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  CHECK(csum_partial(v, 8, 0) == 0x2ddf0);
  CHECK(csum_buf(v, 8) == 0x220d);
  /* Odd length pads with zero. */
  const uint8_t w[] = {0x12, 0x34, 0x56};
  CHECK(csum_buf(w, 3) == (uint16_t)~(0x1234 + 0x5600));
  /* Incremental update equals a full recomputation for many rewrites. */
  uint8_t buf[20];
  uint32_t x = 12345;
  for (int iter = 0; iter < 2000; iter++) {
    for (int i = 0; i < 20; i++) {
      x = x * 1103515245u + 12345u;
      buf[i] = (uint8_t)(x >> 16);
    }
    uint16_t c0 = csum_buf(buf, 20);
    uint32_t old = ((uint32_t)buf[12] << 24) | ((uint32_t)buf[13] << 16) |
                   ((uint32_t)buf[14] << 8) | buf[15];
    x = x * 1103515245u + 12345u;
    uint32_t nw = x;
    if (iter % 7 == 0) nw = 0xffffffffu - old; /* exercise 0xffff words */
    buf[12] = (uint8_t)(nw >> 24); buf[13] = (uint8_t)(nw >> 16);
    buf[14] = (uint8_t)(nw >> 8); buf[15] = (uint8_t)nw;
    uint16_t full = csum_buf(buf, 20);
    uint16_t inc = csum_update32(c0, old, nw);
    /* One's complement has two zeros: 0x0000 and 0xffff are equal sums. */
    CHECK(full == inc || (uint16_t)(full + inc) == 0xffff);
  }
  /* TCP checksum over the IPv4 pseudo-header verifies to zero when the
   * stored checksum is included. */
  uint8_t seg[24] = {0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0,
                     0x50, 0x02, 0x72, 0x10, 0, 0, 0, 0, 'a', 'b', 'c', 'd'};
  uint16_t c = csum_l4_ipv4(0x0a000001, 0xc0a80102, 6, seg, 24);
  seg[16] = (uint8_t)(c >> 8);
  seg[17] = (uint8_t)c;
  CHECK(csum_l4_ipv4(0x0a000001, 0xc0a80102, 6, seg, 24) == 0);
}

int main(void) {
  test_qinq_tcp();
  test_ipv6_ext_udp_and_frag();
  test_ipv4_later_fragment_and_mpls();
  test_checksums();
  if (failures) {
    fprintf(stderr, "selftest: %d check(s) failed\n", failures);
    return 1;
  }
  puts("selftest: all checks passed");
  return 0;
}
