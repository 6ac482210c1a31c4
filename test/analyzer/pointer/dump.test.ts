// pointsToDump and callGraphDot on C through the front end: the text a user sees for
// `--dump pts` and `--dump callgraph`, including library callbacks and indirect calls.
import { describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { analyzePointers, callGraphDot, pointsToDump } from '../../../analyzer/pointer/index.js';

const code = `#include <pcap.h>
#include <stdlib.h>
int hits;
static void count(int *c) { (*c)++; }
static void (*action)(int *) = count;
static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  (void)h; (void)bytes;
  action((int *)user);
}
int main(void) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline("-", err);
  int *box = malloc(sizeof *box);
  pcap_loop(p, -1, on_packet, (u_char *)&hits);
  free(box);
  return 0;
}
`;

describe('dumps', () => {
  const program = loadProgramFromSource(code, 'dump.c');
  const pts = analyzePointers(program, { fieldSensitive: false });

  it('prints points-to sets by variable, optionally for one name', () => {
    const all = pointsToDump(program, pts);
    expect(all).toMatch(/^# andersen: \d+ objects/);
    expect(all).toContain('action -> {count}');
    expect(all).toMatch(/main::box -> \{heap@dump\.c:13\}/);
    expect(all).toMatch(/main::p -> \{pcap-handle@dump\.c:12\}/);
    const one = pointsToDump(program, pts, 'user');
    expect(one.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['on_packet::user -> {hits}']);
    expect(pointsToDump(program, pts, 'no_such_name').split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([]);
  });

  it('draws direct, indirect and callback edges', () => {
    const dot = callGraphDot(program, pts);
    expect(dot.startsWith('digraph callgraph {')).toBe(true);
    expect(dot).toContain('"main" -> "on_packet" [style=dotted, label="callback"];');
    expect(dot).toContain('"on_packet" -> "count" [style=dashed];');
    expect(dot).toContain('"main" -> "pcap_loop";');
    expect(dot).not.toContain('"main" -> "count"');
    const loop = program.instrs.find((i) => i.kind === 'call' && i.callee === 'pcap_loop')!;
    expect(pts.callGraph.callersOf('on_packet')).toEqual([loop.id]);
    expect(pts.callGraph.functions()).toEqual([...program.functions.keys()]);
  });

  it('rejects an unknown analysis kind with a usage error', () => {
    expect(() => analyzePointers(program, { kind: 'magic' as never })).toThrow(/unknown pointer analysis 'magic'/);
  });
});
