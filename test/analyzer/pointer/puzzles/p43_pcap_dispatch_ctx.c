// pcap_dispatch with a context struct holding the next stage as a function pointer.  @exact-fs
#include <pcap.h>
struct stage { void (*next)(const u_char *); const u_char *last; };
static const u_char *seen;
static void deliver(const u_char *pkt) { seen = pkt; }
static void cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  struct stage *st = (struct stage *)user;
  (void)h;
  st->last = bytes;
  st->next(bytes);
}
int main(void) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline("-", err);
  struct stage st = { deliver, 0 };
  while (pcap_dispatch(p, 10, cb, (u_char *)&st) > 0) {} // ALLOC(hdr=pcap-pkthdr, buf=pcap-buffer)
  return seen != 0;
}
// PTS(cb::st) = {main::st}
// PTS(main::st.next) = {deliver}
// PTS(main::st.last) = {buf}
// PTS(deliver::pkt) = {buf}
// PTS(seen) = {buf}
// CALLS(main -> cb)
// CALLS(cb -> deliver)
