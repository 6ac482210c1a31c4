// Flowspace (paper §4.3, Figure 8) follows control dependence only where a branch decides
// which value an index or lookup condition gets, not where it decides whether the access runs.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { analyzePointers } from '../../../analyzer/pointer/index.js';
import { buildSdg } from '../../../analyzer/sdg/index.js';
import { explainGatedReach } from '../../../analyzer/state/deps.js';
import { classifySource, type Classified } from './helpers.js';

const PROGRAM = `
#include <pcap.h>
#include <netinet/ip.h>
pcap_t *in;
unsigned guarded[256], picked[256], hist[64], ring2[4], ring3[4], ring[64];
int pos, flag;
unsigned keys[4];
unsigned by_src[256], by_dst[256];
unsigned later[64];
int cursor;

/* (d) one hash helper used from two call sites. */
static unsigned hash8(unsigned x) { x ^= x >> 16; x *= 0x45d9f3bu; return x >> 24; }
int vals[4];

/* (c) a lookup helper that answers through its control flow alone. */
static int which(unsigned a) {
  if (a == keys[0]) return 0;
  if (a == keys[1]) return 1;
  if (a == keys[2]) return 2;
  return 3;
}

static void bump(unsigned i) { guarded[i & 255]++; }

static void handle(const struct iphdr *ip) {
  /* (a) guards that only decide whether an access runs: protocol, ttl, tos are not keys. */
  if (ip->protocol == 6) guarded[ip->saddr & 255]++;
  if (ip->protocol == 17) bump(ip->daddr);
  /* (e) the cursor an earlier packet advanced under a ttl test: this packet's ttl picks no entry. */
  if (ip->ttl < 5) { cursor = (cursor + 1) % 64; later[cursor] = ip->saddr; }
  pos = (pos + 1) % 64;
  if (ip->ttl < 5) ring[pos] = ip->saddr;
  if (ip->ttl > 64) { unsigned k = 0; while (k < 8) { hist[k]++; k++; } }
  if (ip->tos) { unsigned k = 0; if (flag) k = 1; ring2[k]++; }
  /* (b) a branch that picks the index value: the protocol is a key of picked. */
  unsigned i;
  if (ip->protocol == 6) i = ip->saddr & 255; else i = ip->daddr & 255;
  picked[i]++;
  /* a guard inside the region between the index's definitions and the access decides its value. */
  unsigned j = 0;
  if (ip->tos > 7) j = 1;
  ring3[j]++;
  vals[which(ip->saddr)]++;
  by_src[hash8(ip->saddr)]++;
  by_dst[hash8(ip->daddr)]++;
}

int main(void) {
  struct pcap_pkthdr h;
  while (1) {
    const unsigned char *pkt = pcap_next(in, &h);
    if (!pkt) break;
    handle((const struct iphdr *)(pkt + 14));
  }
  return 0;
}
`;

let r: Classified;
beforeAll(() => {
  r = classifySource(PROGRAM);
});

describe('flowspace and control dependence', () => {
  it('(a) drops a field that only guards the access (directly or around a call)', () => {
    expect(r.byName('guarded').flowspace).toEqual(['ip.dst', 'ip.src']);
  });

  it('(a) a counter-indexed ring under a header test has no flowspace', () => {
    expect(r.byName('ring').flowspace).toEqual([]);
  });

  it('(a) a guarded index definition that dominates the access picks nothing', () => {
    expect(r.byName('hist').flowspace).toEqual([]);
  });

  it('(a) guards outside the region between a killing definition and the access pick nothing', () => {
    expect(r.byName('ring2').flowspace).toEqual([]);
  });

  it('(b) keeps a branch that picks the index value', () => {
    expect(r.byName('picked').flowspace).toEqual(['ip.dst', 'ip.proto', 'ip.src']);
    expect(r.byName('ring3').flowspace).toEqual(['ip.tos']);
  });

  it('(c) keeps a field a lookup helper answers through its control flow', () => {
    expect(r.byName('vals').flowspace).toEqual(['ip.src']);
  });

  it('(d) attributes a field through a shared helper only to the call whose return it reaches', () => {
    expect(r.byName('by_src').flowspace).toEqual(['ip.src']);
    expect(r.byName('by_dst').flowspace).toEqual(['ip.dst']);
  });

  it('(e) does not carry an earlier packet\'s header test into this packet\'s index (packet boundary)', () => {
    expect(r.byName('later').flowspace).toEqual([]);
  });

  it('points each flowspace reason at a statement that reads the field', () => {
    const why = r.byName('picked').reasons.filter((x) => x.verdict === 'flowspace');
    const lines = PROGRAM.split('\n');
    expect(why.map((x) => x.text.includes('protocol') || x.text.includes('saddr') || x.text.includes('daddr'))).toEqual(why.map(() => true));
    for (const w of why) expect(lines[w.line - 1]).toContain(w.text.trim().slice(0, 12));
  });
});

describe('why a guard is in the chop (explainGatedReach)', () => {
  it('reaches the protocol read of the branch that picks the index, through that branch', () => {
    const program = loadProgramFromSource(PROGRAM, 'case.c');
    const pts = analyzePointers(program, {});
    const sdg = buildSdg(program, pts);
    const line = (text: string) => PROGRAM.split('\n').findIndex((l) => l.includes(text)) + 1;
    const at = (l: number, kind: string) => program.instrs.filter((i) => i.loc.line === l && i.kind === kind).map((i) => sdg.vertexOfInstr(i.id)!);
    const { reached, parent } = explainGatedReach(sdg, at(line('picked[i]++'), 'gep'));
    const branch = at(line('if (ip->protocol == 6) i ='), 'branch');
    // The branch picking i is reached, and the chain back from it ends at the access.
    expect(branch.some((b) => reached[b])).toBe(true);
    const chain: number[] = [];
    for (let v = branch.find((b) => reached[b])!; v >= 0 && chain.length < 50; v = parent[v]) chain.push(v);
    expect(program.instrs[sdg.vertices[chain.at(-1)!].instr!].loc.line).toBe(line('picked[i]++'));
    // The guard that only decides whether `guarded[...]` runs is not reached from that access.
    const { reached: r2 } = explainGatedReach(sdg, at(line('if (ip->protocol == 6) guarded'), 'gep'));
    expect(at(line('if (ip->protocol == 6) guarded'), 'branch').some((b) => r2[b])).toBe(false);
  });
});

describe('flowspace after the last packet (pcap_loop teardown)', () => {
  const CALLBACK = `
#include <pcap.h>
#include <netinet/ip.h>
pcap_t *in;
unsigned tbl[64];
unsigned last_src;
static void touch(unsigned k) { tbl[k & 63]++; }
static void on_packet(unsigned char *user, const struct pcap_pkthdr *h, const unsigned char *bytes) {
  const struct iphdr *ip = (const struct iphdr *)(bytes + 14);
  (void)user; (void)h;
  last_src = ip->saddr;
  touch(ip->daddr);
}
int main(void) {
  pcap_loop(in, -1, on_packet, NULL);
  touch(last_src); /* teardown: no packet is being processed */
  return 0;
}
`;
  it('does not key an entry by what the last packet left for teardown code', () => {
    const c = classifySource(CALLBACK);
    expect(c.byName('tbl').flowspace).toEqual(['ip.dst']);
  });
});
