/* fuzz.c — libFuzzer target for synblock: each input is one captured
 * Ethernet frame, handed to the same code one loop iteration runs. */
#include <stdint.h>
#include <stddef.h>

#include "mbox_io.h"
#include "synblock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  static unsigned long runs;
  if (!ready) {
    mbox_open_discard(DLT_EN10MB);
    synblock_load_config("synblock.conf");
    ready = 1;
  }
  struct pcap_pkthdr h;
  /* Deterministic timestamp from the input, never the clock. */
  h.ts.tv_sec = 1000000 + (size > 0 ? data[0] : 0);
  h.ts.tv_usec = (suseconds_t)(size % 1000000);
  h.caplen = (bpf_u_int32)size;
  h.len = (bpf_u_int32)size;
  synblock_handle_packet(&h, data);
  /* Keep the list walk short during long runs. */
  if (++runs % 4096 == 0) synblock_free_hosts();
  return 0;
}
