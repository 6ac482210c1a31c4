/* fuzz.c — libFuzzer target: one input is one Ethernet frame handed to the
 * firewall's packet handler with a timestamp derived from the input. */
#include <stdint.h>
#include <string.h>

#include "mbox_io.h"

void fw_init(const char *config_path);
void fw_handle_packet(const struct pcap_pkthdr *h, const u_char *bytes);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    static uint64_t clock_us = 1000000000ull * 1000000ull;
    if (!ready) {
        mbox_open_discard(DLT_EN10MB);
        fw_init("firewall.conf");
        ready = 1;
    }
    /* The first byte advances the clock (0..255 × 100 ms), so timers and
     * expiry sweeps run; the rest is the frame. */
    if (size == 0) return 0;
    clock_us += (uint64_t)data[0] * 100000u;
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(clock_us / 1000000u);
    h.ts.tv_usec = (suseconds_t)(clock_us % 1000000u);
    h.caplen = (bpf_u_int32)(size - 1);
    h.len = h.caplen;
    fw_handle_packet(&h, data + 1);
    return 0;
}
