// pcap_loop calls its callback with the user argument and a packet buffer.  @exact-fs
#include <pcap.h>
struct ctx { int count; int *last; };
int seen;
static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  struct ctx *c = (struct ctx *)user;
  c->count += (int)h->caplen + bytes[0];
  c->last = &seen;
}
int main(void) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline("-", err); // ALLOC(handle=pcap-handle)
  struct ctx c = { 0, 0 };
  pcap_loop(p, -1, on_packet, (u_char *)&c); // ALLOC(hdr=pcap-pkthdr, buf=pcap-buffer)
  return c.count;
}
// PTS(main::p) = {handle}
// PTS(on_packet::user) = {main::c}
// PTS(on_packet::c) = {main::c}
// PTS(on_packet::h) = {hdr}
// PTS(on_packet::bytes) = {buf}
// PTS(main::c.last) = {seen}
// CALLS(main -> on_packet)
