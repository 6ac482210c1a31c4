// Real system headers together (libpcap, libc, netinet, pthread, signal): no crash,
// no diagnostics, header prototypes resolved lazily, header structs usable.
import { describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import type { Gep } from '../../../analyzer/ir/types.js';
import { validateProgram } from '../../../analyzer/ir/validate.js';
import { fn, instrs } from './helpers.js';

const SRC = `
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }
static void handle(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  const struct ip *ip = (const struct ip *)(bytes + 14);
  if (h->caplen < 14 + sizeof(struct ip)) return;
  const struct tcphdr *th = (const struct tcphdr *)((const u_char *)ip + ip->ip_hl * 4);
  fprintf(stderr, "%s:%u %d\\n", inet_ntoa(ip->ip_src), ntohs(th->th_sport), th->syn);
  (void)user;
}
int main(int argc, char **argv) {
  char errbuf[PCAP_ERRBUF_SIZE];
  signal(SIGINT, on_sig);
  pcap_t *p = pcap_open_offline(argc > 1 ? argv[1] : "-", errbuf);
  if (!p) return 1;
  while (!stop && pcap_dispatch(p, 1, handle, NULL) > 0) {}
  pcap_close(p);
  return 0;
}
`;

describe('front end: system headers', () => {
  it('analyzes a program including pcap, libc, netinet, arpa, pthread and signal headers', () => {
    const p = loadProgramFromSource(SRC, 'hdrs.c');
    expect(p.diagnostics).toEqual([]);
    expect(validateProgram(p)).toEqual([]);
    expect(p.units[0].preprocessedLines).toBeGreaterThan(3000);
    expect([...p.functions.keys()].sort()).toEqual(['handle', 'main', 'on_sig']);
    for (const name of ['pcap_open_offline', 'pcap_dispatch', 'pcap_close', 'signal', 'fprintf', 'inet_ntoa', 'ntohs']) expect(p.externals.has(name)).toBe(true);
    // Only the header globals the program uses become variables (stderr), none of the rest of libc.
    const globals = p.vars.filter((v) => v.scope === 'global').map((v) => v.name);
    expect(globals).toEqual(['stderr']);
    // Header struct members: ip->ip_hl (a bit-field) and th->syn (in an anonymous struct of a union).
    const geps = instrs(fn(p, 'handle')).filter((i): i is Gep => i.kind === 'gep' && i.field !== undefined);
    const names = geps.map((g) => g.field!.name);
    expect(names).toContain('ip_hl');
    expect(names).toContain('th_sport');
    expect(names).toContain('syn');
    expect(names.filter((n) => n.startsWith('<anon')).length).toBeGreaterThanOrEqual(2);
    // pcap_open_offline's return type came from its lazily resolved prototype.
    const call = instrs(fn(p, 'main')).find((i) => i.kind === 'call' && i.callee === 'pcap_open_offline')!;
    const dstType = p.types[p.vars[(call as { dst: number }).dst].type];
    expect(dstType.kind).toBe('pointer');
    // The pcap_dispatch callback is passed as a function address.
    expect(instrs(fn(p, 'main')).some((i) => i.kind === 'addr' && i.target.kind === 'func' && i.target.name === 'handle')).toBe(true);
  });
});
