// pcap_next returns the handle's packet buffer; header structs are laid over it.  @exact @exact-fs
#include <pcap.h>
#include <netinet/ip.h>
#include <net/ethernet.h>
int main(void) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline("-", err); // ALLOC(handle=pcap-handle)
  struct pcap_pkthdr h;
  const u_char *pkt;
  int n = 0;
  while ((pkt = pcap_next(p, &h)) != NULL) { // ALLOC(buf=pcap-buffer)
    const struct ip *iph = (const struct ip *)(pkt + sizeof(struct ether_header));
    n += iph->ip_p;
  }
  return n;
}
// PTS(main::p) = {handle}
// PTS(main::pkt) = {buf}
// PTS(main::iph) = {buf}
