/* fuzz.c — libFuzzer target for assetmon: each input is one captured
 * Ethernet frame, passed to the same handler the pcap_loop callback uses. */
#include <stddef.h>
#include <stdint.h>

#include "assetmon.h"
#include "mbox_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  static unsigned long runs;
  if (!ready) {
    mbox_open_discard(DLT_EN10MB);
    assetmon_init_config("assetmon.conf");
    ready = 1;
  }
  struct pcap_pkthdr h;
  /* Deterministic timestamps from the input that also advance over runs, so
   * the expiry sweeps are exercised. */
  h.ts.tv_sec = (time_t)(1000000 + runs * 7 + (size > 0 ? data[0] : 0));
  h.ts.tv_usec = (suseconds_t)(size % 1000000);
  h.caplen = (bpf_u_int32)size;
  h.len = (bpf_u_int32)size;
  assetmon_handle_packet(&h, data);
  runs++;
  return 0;
}
