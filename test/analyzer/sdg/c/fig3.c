/* The StateAlyzr paper's Figure 3 (NSDI'16), made compilable: a receive loop
   enqueues packets, and processPacket, started by pthread_create, takes them
   from the queue. Packet processing is reached from pcap_next only through
   data (the queue), never through a call or control edge. */
#include <pcap.h>
#include <pthread.h>
#include <stdlib.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <net/ethernet.h>

struct host { unsigned int ip; int count; struct host *next; };

pcap_t *extPcap, *intPcap;
char *queue[100];
int head, tail;
struct host *hosts;
int threshold;

struct host *lookup(unsigned int ip);
void enqueue(char *pkt);
char *dequeue(void);
void *processPacket(void *arg);
void ifFull_Wait(void);
void ifEmpty_Wait(void);

void ifFull_Wait(void) {}
void ifEmpty_Wait(void) {}

int loopProcedure(void) {
  while (1) {
    struct pcap_pkthdr pcapHdr;
    char *pkt = (char *)pcap_next(extPcap, &pcapHdr);
    ifFull_Wait();
    enqueue(pkt);
    struct host *entry = lookup(0);
    if (entry != NULL && entry->count < threshold)
      pcap_inject(intPcap, pkt, pcapHdr.caplen);
  }
}

void enqueue(char *pkt) {
  head = (head + 1) % 100;
  queue[head] = pkt;
}

char *dequeue(void) {
  int *index = &tail;
  *index = (*index + 1) % 100;
  return queue[*index];
}

void *processPacket(void *arg) {
  while (1) {
    ifEmpty_Wait();
    char *pkt = dequeue();
    struct ether_header *ethHdr = (struct ether_header *)pkt;
    struct iphdr *ipHdr = (struct iphdr *)(ethHdr + 1);
    struct tcphdr *tcpHdr = (struct tcphdr *)(ipHdr + 1);
    struct host *entry = lookup(ipHdr->saddr);
    if (NULL == entry) {
      struct host *new = malloc(sizeof(struct host));
      new->ip = ipHdr->saddr;
      new->next = hosts;
      hosts = new;
      entry = new;
    }
    if (tcpHdr->syn && !tcpHdr->ack)
      entry->count++;
  }
  return arg;
}

struct host *lookup(unsigned int ip) {
  struct host *curr = hosts;
  while (curr != NULL) {
    if (curr->ip == ip)
      return curr;
    curr = curr->next;
  }
  return NULL;
}

int main(int argc, char **argv) {
  char err[PCAP_ERRBUF_SIZE];
  pthread_t thread;
  intPcap = pcap_create(argv[0], err);
  extPcap = pcap_create(argv[1], err);
  threshold = atoi(argv[2]);
  pthread_create(&thread, NULL, processPacket, NULL);
  loopProcedure();
  return argc;
}
