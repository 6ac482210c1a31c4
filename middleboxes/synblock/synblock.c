/* synblock.c — the StateAlyzr paper's running example (NSDI'16, Figure 3) as a
 * complete program: block external hosts that open too many connections.
 *
 * The receive loop (loopProcedure) reads packets with pcap_next, copies each
 * into a slot of the 100-entry queue, and a processing thread (processPacket,
 * started by pthread_create and reached only through the queue) looks the
 * source address up in the `hosts` list and counts its SYNs. The loop then
 * forwards the packet with pcap_inject (-o) or pcap_dump (-w) unless the host
 * has reached `threshold` SYNs.
 *
 * Determinism: the hand-off is a strict ping-pong under one mutex — the loop
 * enqueues, signals, and waits until the processing thread has finished that
 * packet before its own threshold check — so exactly one thread touches the
 * state at a time and the output never depends on scheduling. The packet bytes
 * are copied into the queue slot because pcap_next reuses its buffer.
 * Paper line ↔ this file: see README.md. */
#include "synblock.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mbox_io.h"
#include "pkt.h"

/* Figure 3, lines 7-11. */
pcap_t *intPcap, *extPcap;
int threshold;
char *queue[100];
int head = 0, tail = 0;
struct host *hosts = NULL;

/* The queue's synchronisation (the paper's ifFull_Wait/ifEmpty_Wait). */
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcond = PTHREAD_COND_INITIALIZER;
static unsigned long enqueued, processed; /* hand-off sequence numbers */
static int stopping;                      /* set once at end of input */

/* Counters for the summary log line. */
static unsigned long pkts_seen, pkts_forwarded, pkts_blocked, pkts_not_ipv4;

/* Copy a captured packet into a queue slot: its pcap header, then the bytes. */
static char *copy_packet(const struct pcap_pkthdr *h, const u_char *bytes) {
  char *slot = malloc(sizeof *h + h->caplen);
  if (slot == NULL) mbox_die("synblock: out of memory");
  memcpy(slot, h, sizeof *h);
  memcpy(slot + sizeof *h, bytes, h->caplen);
  return slot;
}

/* Called with qlock held: wait while all 100 slots are in use. */
void ifFull_Wait(void) {
  while ((head + 1) % 100 == tail) pthread_cond_wait(&qcond, &qlock);
}

/* Called with qlock held: wait for a packet (or the end of input). */
static int ifEmpty_Wait(void) {
  while (head == tail && !stopping) pthread_cond_wait(&qcond, &qlock);
  return head != tail;
}

void enqueue(char *pkt) {
  head = (head + 1) % 100;
  queue[head] = pkt;
}

char *dequeue(void) {
  int *index = &tail;
  *index = (*index + 1) % 100;
  char *pkt = queue[*index];
  queue[*index] = NULL; /* the slot no longer owns the copy */
  return pkt;
}

struct host *lookup(uint32_t ip) {
  struct host *curr = hosts;
  while (curr != NULL) {
    if (curr->ip == ip) return curr;
    curr = curr->next;
  }
  return NULL;
}

static void log_blocked(const struct pcap_pkthdr *h, const struct host *entry) {
  char addr[INET_ADDRSTRLEN];
  struct in_addr a = {entry->ip};
  inet_ntop(AF_INET, &a, addr, sizeof addr);
  fprintf(mbox_io.log, "%lld.%06ld block %s syns=%d\n", (long long)h->ts.tv_sec,
          (long)h->ts.tv_usec, addr, entry->count);
}

/* Figure 3, lines 46-57, for one queued packet (header + bytes). */
void process_one(char *pkt) {
  struct pcap_pkthdr h;
  struct pkt p;
  memcpy(&h, pkt, sizeof h);
  const u_char *bytes = (const u_char *)pkt + sizeof h;
  pkt_decode(&p, mbox_io.linktype, &h, bytes);
  if (p.ip == NULL) {
    pkts_not_ipv4++;
    return;
  }
  const struct ip *ipHdr = p.ip;
  const struct tcphdr *tcpHdr = p.tcp;
  struct host *entry = lookup(ipHdr->ip_src.s_addr);
  if (entry == NULL) {
    struct host *new = malloc(sizeof(struct host));
    if (new == NULL) mbox_die("synblock: out of memory");
    new->ip = ipHdr->ip_src.s_addr;
    new->count = 0;
    new->next = hosts;
    hosts = new;
    entry = new;
  }
  if (tcpHdr != NULL && tcpHdr->syn && !tcpHdr->ack) {
    entry->count++;
    if (entry->count == threshold) log_blocked(&h, entry);
  }
}

/* Figure 3, lines 42-57: the processing thread. */
void *processPacket(void *unused) {
  (void)unused;
  pthread_mutex_lock(&qlock);
  while (ifEmpty_Wait()) {
    char *pkt = dequeue();
    process_one(pkt);
    free(pkt);
    processed++;
    pthread_cond_broadcast(&qcond);
  }
  pthread_mutex_unlock(&qlock);
  return NULL;
}

/* IPv4 source of a raw packet, for the loop's threshold check. */
static int packet_source(const struct pcap_pkthdr *h, const u_char *bytes,
                         uint32_t *src) {
  struct pkt p;
  pkt_decode(&p, mbox_io.linktype, h, bytes);
  if (p.ip == NULL) return 0;
  *src = p.ip->ip_src.s_addr;
  return 1;
}

/* Figure 3, lines 26-27: forward unless the source reached the threshold. */
static void forward_or_block(const struct pcap_pkthdr *h, const u_char *pkt) {
  uint32_t src;
  struct host *entry = NULL;
  if (packet_source(h, pkt, &src)) entry = lookup(src);
  if (entry == NULL || entry->count < threshold) {
    if (intPcap != NULL)
      pcap_inject(intPcap, pkt, h->caplen);
    else if (mbox_io.dumper != NULL)
      pcap_dump((u_char *)mbox_io.dumper, h, pkt);
    pkts_forwarded++;
  } else {
    pkts_blocked++;
  }
}

/* Figure 3, lines 21-28: the packet processing loop. */
int loopProcedure(int offline) {
  while (1) {
    struct pcap_pkthdr pcapHdr;
    const u_char *pkt = pcap_next(extPcap, &pcapHdr);
    if (pkt == NULL) {
      if (offline) break; /* end of the trace */
      continue;           /* live capture timeout */
    }
    pkts_seen++;
    pthread_mutex_lock(&qlock);
    ifFull_Wait();
    enqueue(copy_packet(&pcapHdr, pkt));
    unsigned long mine = ++enqueued;
    pthread_cond_broadcast(&qcond);
    while (processed < mine) pthread_cond_wait(&qcond, &qlock);
    pthread_mutex_unlock(&qlock);
    forward_or_block(&pcapHdr, pkt);
  }
  return 0;
}

/* The fuzz target's entry: one loop iteration without the thread. */
void synblock_handle_packet(const struct pcap_pkthdr *h, const u_char *bytes) {
  if ((head + 1) % 100 == tail) return; /* cannot happen: drained below */
  enqueue(copy_packet(h, bytes));
  char *pkt = dequeue();
  process_one(pkt);
  free(pkt);
  forward_or_block(h, bytes);
}

/* Config: lines "threshold <n>" (1..1000000); '#' starts a comment. */
void synblock_load_config(const char *file) {
  FILE *f = fopen(file, "r");
  if (f == NULL) mbox_die("synblock: cannot read config %s", file);
  char line[256];
  int lineno = 0, seen = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char *s = mbox_config_trim(line);
    if (*s == '\0') continue;
    char key[32];
    long val;
    char extra;
    if (sscanf(s, "%31s %ld %c", key, &val, &extra) != 2 ||
        strcmp(key, "threshold") != 0)
      mbox_config_error(file, lineno, "expected 'threshold <count>'");
    if (val < 1 || val > 1000000)
      mbox_config_error(file, lineno, "threshold must be 1..1000000");
    threshold = (int)val;
    seen = 1;
  }
  fclose(f);
  if (!seen) mbox_config_error(file, lineno, "no 'threshold' line");
}

void synblock_free_hosts(void) {
  while (hosts != NULL) {
    struct host *next = hosts->next;
    free(hosts);
    hosts = next;
  }
}

#ifndef MBOX_FUZZ
static void log_summary(void) {
  unsigned long nhosts = 0;
  for (struct host *h = hosts; h != NULL; h = h->next) nhosts++;
  fprintf(mbox_io.log,
          "summary packets=%lu forwarded=%lu blocked=%lu not_ipv4=%lu hosts=%lu\n",
          pkts_seen, pkts_forwarded, pkts_blocked, pkts_not_ipv4, nhosts);
}

int main(int argc, char **argv) {
  pthread_t thread;
  struct mbox_opts o;
  mbox_parse_args(argc, argv, &o, "synblock");
  threshold = 20;
  for (int i = 0; i < o.nconfig; i++) synblock_load_config(o.config[i]);
  mbox_open(&o, MBOX_OUTPUT);
  extPcap = mbox_io.in;
  intPcap = mbox_io.out; /* NULL offline: loopProcedure dumps to -w instead */
  if (pthread_create(&thread, NULL, processPacket, NULL) != 0)
    mbox_die("synblock: pthread_create failed");
  loopProcedure(o.read_file != NULL);
  /* pcap_next returns NULL both at the end of a file and on a damaged record;
   * only the latter leaves an error message. */
  const char *err = pcap_geterr(extPcap);
  int failed = o.read_file != NULL && err != NULL && err[0] != '\0';
  if (failed) fprintf(stderr, "synblock: %s: %s\n", o.read_file, err);
  pthread_mutex_lock(&qlock);
  stopping = 1;
  pthread_cond_broadcast(&qcond);
  pthread_mutex_unlock(&qlock);
  pthread_join(thread, NULL);
  log_summary();
  synblock_free_hosts();
  mbox_close();
  return failed ? 2 : 0;
}
#endif
