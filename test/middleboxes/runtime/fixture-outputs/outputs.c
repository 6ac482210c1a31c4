/* outputs.c — a fixture for the runtime's output-commit marks: per packet one
 * log line ("pkt N len L\n") and the packet itself to a pcap file; a packet
 * counter is its state. -F: fflush the log itself every 7th packet (glibc then
 * forgets its position count). -B: every 50th packet, also write a line with
 * write(2) on the log's fd, around its stdio stream (-b: after an fflush, which
 * makes glibc forget its count, so the runtime's next mark asks the kernel). */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long count; /* packets seen: the state that moves */

int main(int argc, char **argv) {
  const char *in = NULL, *log = NULL, *out = NULL;
  int self_flush = 0, bypass = 0, flush_first = 0, c;
  while ((c = getopt(argc, argv, "r:l:w:FBb")) != -1) {
    if (c == 'r') in = optarg;
    else if (c == 'l') log = optarg;
    else if (c == 'w') out = optarg;
    else if (c == 'F') self_flush = 1;
    else if (c == 'B') bypass = 1;
    else if (c == 'b') bypass = flush_first = 1;
    else return 2;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = in ? pcap_open_offline(in, err) : NULL;
  FILE *lf = log ? fopen(log, "w") : NULL;
  if (p == NULL || lf == NULL || out == NULL) {
    fprintf(stderr, "usage: outputs -r trace -l log -w out.pcap [-F] [-B|-b]\n");
    return 2;
  }
  pcap_t *dead = pcap_open_dead(pcap_datalink(p), 65535);
  pcap_dumper_t *d = dead ? pcap_dump_open(dead, out) : NULL;
  if (d == NULL) return 2;
  struct pcap_pkthdr h;
  const u_char *b;
  while ((b = pcap_next(p, &h)) != NULL) {
    count++;
    fprintf(lf, "pkt %lu len %u\n", count, h.caplen);
    pcap_dump((u_char *)d, &h, b);
    if (self_flush && count % 7 == 0) fflush(lf);
    if (bypass && count % 50 == 0) {
      if (flush_first) fflush(lf);
      if (write(fileno(lf), "around\n", 7) != 7) return 2;
    }
  }
  pcap_dump_close(d);
  pcap_close(dead);
  pcap_close(p);
  fclose(lf);
  return 0;
}
