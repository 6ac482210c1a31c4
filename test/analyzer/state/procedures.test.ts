// Which code runs per packet: loop procedures that receive through a helper, and
// code around a pcap_loop (setup before, teardown after) that does not.
import { describe, expect, it } from 'vitest';
import { classifySource } from './helpers.js';

describe('per-packet code', () => {
  it('finds the loop around a helper that receives, and counts what its body updates', () => {
    const r = classifySource(`#include <pcap.h>
#include <stdio.h>
static pcap_t *h;
static unsigned long ticks, seen[256], setup_calls;
static const u_char *next_packet(struct pcap_pkthdr *hdr) { return pcap_next(h, hdr); }
static void tick(void) { ticks++; }
static void setup(void) { setup_calls++; }
int main(void) {
  struct pcap_pkthdr hdr; const u_char *p; char err[PCAP_ERRBUF_SIZE];
  setup();
  h = pcap_open_offline("-", err);
  for (;;) {
    tick();
    p = next_packet(&hdr);
    if (p == NULL) break;
    seen[p[23]]++;
  }
  printf("%lu %lu\\n", ticks, seen[6]);
  return 0;
}
`);
    expect(r.loopProcs).toEqual(['main']);
    expect(r.byName('ticks').updateable).toBe(true);
    expect(r.byName('seen').updateable).toBe(true);
    expect(r.byName('setup_calls').updateable).toBe(false);
  });

  it('does not count pcap_loop setup and teardown as packet processing', () => {
    const r = classifySource(`#include <pcap.h>
#include <stdio.h>
static unsigned long pkts, closed;
static void got(u_char *u, const struct pcap_pkthdr *h, const u_char *b) { (void)u; (void)h; (void)b; pkts++; }
static void teardown(void) { closed = 1; }
int main(void) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline("-", err);
  int rc = pcap_loop(p, -1, got, NULL);
  teardown();
  printf("%lu %d\\n", pkts, rc);
  return 0;
}
`);
    expect(r.pktProcs).toContain('got');
    expect(r.byName('pkts').updateable).toBe(true);
    expect(r.byName('pkts').logOutput).toBe(true);
    expect(r.byName('closed').updateable).toBe(false);
    expect(r.byName('rc', 'main').updateable).toBe(false);
  });
});
