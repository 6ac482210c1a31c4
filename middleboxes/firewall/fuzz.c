/* fuzz.c — libFuzzer target: one input is one Ethernet frame handed to the
 * firewall's packet handler (input convention in common/fuzz_frame.h). */
#include "fuzz_frame.h"

void fw_init(const char *config_path);
void fw_handle_packet(const struct pcap_pkthdr *h, const u_char *bytes);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        mbox_open_discard(DLT_EN10MB);
        fw_init("firewall.conf");
        ready = 1;
    }
    struct pcap_pkthdr h;
    const u_char *frame;
    if (mbox_fuzz_frame(data, size, &h, &frame)) fw_handle_packet(&h, frame);
    return 0;
}
