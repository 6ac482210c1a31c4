// The paper's running example (Figure 3): the report must agree with the paper's text (§4.1–§4.3).
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyFiles, type Classified } from './helpers.js';

const FIG3 = new URL('../../fixtures/c/fig3.c', import.meta.url).pathname;
// The fixture's header maps paper line L to line L+20.
const paperLine = (l: number) => l + 20;

let r: Classified;
beforeAll(() => {
  r = classifyFiles([FIG3]);
});

describe('Figure 3', () => {
  it('finds the receive in loopProcedure and processPacket as a packet-processing procedure', () => {
    expect(r.recvSites.map((s) => [s.callee, s.function, s.line])).toEqual([['pcap_next', 'loopProcedure', paperLine(24)]]);
    expect(r.loopProcs).toEqual(['loopProcedure']);
    expect(r.pktProcs).toContain('processPacket');
    expect(r.pktProcs).toContain('lookup');
    expect(r.pktProcs).not.toContain('main');
  });

  it('classifies persistent globals as the paper does: head, tail, hosts, queue updateable; threshold not', () => {
    for (const name of ['intPcap', 'extPcap', 'threshold', 'queue', 'head', 'tail', 'hosts']) {
      expect(r.byName(name).persistent, name).toBe(true);
      expect(r.byName(name).topLevel, name).toBe(true);
    }
    for (const name of ['head', 'tail', 'hosts', 'queue']) expect(r.byName(name).updateable, name).toBe(true);
    for (const name of ['threshold', 'intPcap', 'extPcap']) expect(r.byName(name).updateable, name).toBe(false);
  });

  it('finds tail updateable only through the alias on paper line 38', () => {
    const tail = r.byName('tail');
    const why = tail.reasons.find((x) => x.verdict === 'updateable')!;
    expect(why.line).toBe(paperLine(38));
    expect(why.text).toMatch(/\*index = /);
    expect(why.chain).toMatch(/via index → &tail/);
  });

  it('keys hosts by the IP source address', () => {
    expect(r.byName('hosts').flowspace).toEqual(['ip.src']);
    // head and tail are plain ints: they cannot hold entries (paper Figure 8, lines 2–4).
    expect(r.byName('head').flowspace).toEqual([]);
    expect(r.byName('tail').flowspace).toEqual([]);
  });

  it('marks state behind the pcap_inject decision as packet-output impacting', () => {
    expect(r.byName('hosts').pktOutput).toBe(true);
    expect(r.byName('threshold').pktOutput).toBe(false); // read-only: not updateable, so not reported
    expect(r.counts.logOutput).toBe(0);
  });
});
