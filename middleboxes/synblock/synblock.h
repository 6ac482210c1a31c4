/* synblock.h — types and entry points of the Figure 3 middlebox (shared with
 * fuzz.c). */
#ifndef STATELAB_SYNBLOCK_H
#define STATELAB_SYNBLOCK_H

#include <stdint.h>
#include <pcap/pcap.h>

/* Figure 3, lines 1-5: one entry per external source address. */
struct host {
  uint32_t ip;        /* IPv4 source, network byte order */
  int count;          /* SYNs (SYN set, ACK clear) seen from ip */
  struct host *next;
};

extern pcap_t *intPcap, *extPcap;
extern int threshold;
extern char *queue[100];
extern int head, tail;
extern struct host *hosts;

void ifFull_Wait(void);
void enqueue(char *pkt);
char *dequeue(void);
struct host *lookup(uint32_t ip);
void process_one(char *pkt);
void *processPacket(void *unused);
int loopProcedure(int offline);
void synblock_handle_packet(const struct pcap_pkthdr *h, const u_char *bytes);
void synblock_load_config(const char *file);
void synblock_free_hosts(void);

#endif
