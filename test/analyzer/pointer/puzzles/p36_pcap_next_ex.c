// pcap_next_ex produces the header and data through out-parameters.  @exact @exact-fs
#include <pcap.h>
int main(void) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline("-", err); // ALLOC(handle=pcap-handle)
  struct pcap_pkthdr *h;
  const u_char *data;
  int total = 0;
  while (pcap_next_ex(p, &h, &data) == 1) total += (int)h->caplen + data[0]; // ALLOC(hdr=pcap-pkthdr, buf=pcap-buffer)
  return total;
}
// PTS(main::h) = {hdr}
// PTS(main::data) = {buf}
