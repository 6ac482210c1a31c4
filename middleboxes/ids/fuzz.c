/* fuzz.c — libFuzzer target for ids: each input is one captured Ethernet
 * frame, handed to the per-packet handler the pcap_dispatch callback runs. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ids.h"
#include "mbox_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		const char *rules[] = { "ids.rules" };
		char err[512];
		mbox_open_discard(DLT_EN10MB);
		if (ids_init(1, rules, err, sizeof err) < 0) {
			fprintf(stderr, "ids fuzz: %s\n", err);
			abort();
		}
		ready = 1;
	}
	struct pcap_pkthdr h;
	/* Deterministic timestamp from the input, never the clock: a few
	 * distinct seconds so flows, windows and sweeps all get exercised. */
	h.ts.tv_sec = 1000000 + (size > 0 ? data[0] % 64 : 0);
	h.ts.tv_usec = (suseconds_t)(size % 1000000);
	h.caplen = (bpf_u_int32)size;
	h.len = (bpf_u_int32)size;
	ids_handle_packet(&h, data);
	return 0;
}
