/* twotab.c — a test middlebox shaped like lb's connection table, for flowspace
 * slot frames: entries keyed by (ip.src, ip.dst) sit on two chained hash tables
 * at once (by source through next_s, by destination through next_d), so a slot
 * of one table reaches objects the other table shares. Every third packet of an
 * entry deletes it; its freed block is at once reused by a smaller allocation
 * (`spare`, later the next new entry's tag), so a pid comes back with another
 * size. -b sets the bucket count (a small one fills every bucket). */
#include <netinet/in.h>
#include <netinet/ip.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ent {
  uint32_t src, dst;
  unsigned long pkts;
  struct ent *next_s, *next_d;
  char *tag; /* a heap block of 1..32 bytes */
};

static struct ent **by_src; /* buckets, chained through next_s */
static struct ent **by_dst; /* buckets, chained through next_d */
static uint32_t nbuckets = 64;
static unsigned long deleted, reused;
static char *spare; /* a block that may take a freed entry's address */

static uint32_t hash(uint32_t k) {
  k ^= k >> 16;
  k *= 0x85ebca6bu;
  k ^= k >> 13;
  return k % nbuckets;
}

static struct ent *find(uint32_t src, uint32_t dst) {
  for (struct ent *e = by_src[hash(src)]; e != NULL; e = e->next_s)
    if (e->src == src && e->dst == dst) return e;
  return NULL;
}

static void unlink_ent(struct ent *e) {
  struct ent **pp = &by_src[hash(e->src)];
  while (*pp != NULL && *pp != e) pp = &(*pp)->next_s;
  if (*pp == e) *pp = e->next_s;
  pp = &by_dst[hash(e->dst)];
  while (*pp != NULL && *pp != e) pp = &(*pp)->next_d;
  if (*pp == e) *pp = e->next_d;
}

static void handle(const struct pcap_pkthdr *h, const u_char *b) {
  if (h->caplen < 14 + sizeof(struct ip)) return;
  struct ip ip;
  memcpy(&ip, b + 14, sizeof ip);
  uint32_t src = ip.ip_src.s_addr, dst = ip.ip_dst.s_addr;
  struct ent *e = find(src, dst);
  if (e != NULL) {
    e->pkts++;
    if (e->pkts % 3 != 0) return;
    uintptr_t old = (uintptr_t)e;
    unlink_ent(e);
    free(e->tag);
    free(e);
    deleted++;
    free(spare);
    spare = malloc(sizeof(struct ent) - 4); /* same size class (glibc and ASan): often the freed entry's block */
    if (spare != NULL && (uintptr_t)spare == old) reused++;
    return;
  }
  e = calloc(1, sizeof *e);
  if (e == NULL) abort();
  e->src = src;
  e->dst = dst;
  e->pkts = 1;
  size_t n = 1 + (src & 31u);
  if (spare != NULL) { /* the spare block becomes the new entry's tag */
    e->tag = spare;
    spare = NULL;
    n = sizeof(struct ent) - 4;
  } else {
    e->tag = malloc(n);
  }
  if (e->tag == NULL) abort();
  memset(e->tag, 'a' + (int)(dst % 26u), n - 1);
  e->tag[n - 1] = '\0';
  uint32_t hs = hash(src), hd = hash(dst);
  e->next_s = by_src[hs];
  by_src[hs] = e;
  e->next_d = by_dst[hd];
  by_dst[hd] = e;
}

int main(int argc, char **argv) {
  const char *file = NULL, *logname = NULL;
  int c;
  while ((c = getopt(argc, argv, "r:l:b:")) != -1) {
    if (c == 'r') file = optarg;
    else if (c == 'l') logname = optarg;
    else if (c == 'b') nbuckets = (uint32_t)atoi(optarg);
  }
  if (nbuckets == 0) nbuckets = 1;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *in = file ? pcap_open_offline(file, err) : NULL;
  if (in == NULL) {
    fprintf(stderr, "twotab: need -r <trace>\n");
    return 2;
  }
  by_src = calloc(nbuckets, sizeof *by_src);
  by_dst = calloc(nbuckets, sizeof *by_dst);
  if (by_src == NULL || by_dst == NULL) abort();
  struct pcap_pkthdr h;
  const u_char *b;
  while ((b = pcap_next(in, &h)) != NULL) handle(&h, b);
  FILE *log = logname ? fopen(logname, "w") : stdout;
  if (log == NULL) return 2;
  unsigned long live = 0, full = 0;
  for (uint32_t i = 0; i < nbuckets; i++) {
    full += by_src[i] != NULL;
    for (struct ent *e = by_src[i]; e != NULL; e = e->next_s) live++;
  }
  fprintf(log, "live=%lu deleted=%lu reused=%lu full-buckets=%lu/%u\n", live, deleted, reused, full, nbuckets);
  if (log != stdout) fclose(log);
  pcap_close(in);
  return 0;
}
