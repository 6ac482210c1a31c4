/* fuzz_frame.h — the libFuzzer input convention of the on-path middleboxes
 * (lb, nat, firewall): the first input byte advances a packet clock by
 * 0..255 × 100 ms, so timers and expiry sweeps run; the rest is one Ethernet
 * frame. Header-only: each fuzz.c is its own translation unit. */
#ifndef MBOX_FUZZ_FRAME_H
#define MBOX_FUZZ_FRAME_H

#include <stdint.h>
#include <string.h>

#include "mbox_io.h"

/* Fills *h and *frame from one fuzz input; returns 0 for an empty input. */
static inline int mbox_fuzz_frame(const uint8_t *data, size_t size, struct pcap_pkthdr *h, const u_char **frame)
{
    static uint64_t clock_us = 1000000000ull * 1000000ull;
    if (size == 0) return 0;
    clock_us += (uint64_t)data[0] * 100000u;
    memset(h, 0, sizeof *h);
    h->ts.tv_sec = (time_t)(clock_us / 1000000u);
    h->ts.tv_usec = (suseconds_t)(clock_us % 1000000u);
    h->caplen = (bpf_u_int32)(size - 1);
    h->len = h->caplen;
    *frame = data + 1;
    return 1;
}

#endif
