// Front-end throughput benchmark: preprocessed lines per second through
// preprocess + parse + lower, on a generated large program and on the repo's middleboxes.
// Run: npx vite-node analyzer/frontend/bench.ts [--functions N] [--repeat R]
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastTimings, loadProgram, type FrontendTimings } from './index.js';

const HEADERS = ['pcap.h', 'stdio.h', 'stdlib.h', 'string.h', 'netinet/ip.h', 'netinet/tcp.h', 'netinet/udp.h', 'arpa/inet.h', 'pthread.h', 'signal.h'];

/** A realistic-shaped unit: the usual middlebox headers and `n` functions over a flow table. */
export function generateUnit(id: number, n: number): string {
  const out = HEADERS.map((h) => `#include <${h}>`);
  out.push(`struct flow${id} { uint32_t src, dst; uint16_t sport, dport; int count; struct flow${id} *next; };`);
  out.push(`static struct flow${id} *table${id}[1024];`, `int hits${id};`);
  for (let i = 0; i < n; i++) {
    out.push(
      `int f${id}_${i}(const u_char *pkt, size_t len) {`,
      `  if (len < sizeof(struct ip)) return -1;`,
      `  const struct ip *ip = (const struct ip *)(pkt + 14);`,
      `  unsigned h = (ip->ip_src.s_addr ^ ip->ip_dst.s_addr) & 1023;`,
      `  struct flow${id} *f;`,
      `  for (f = table${id}[h]; f != NULL; f = f->next) {`,
      `    if (f->src == ip->ip_src.s_addr && f->dst == ip->ip_dst.s_addr) { f->count++; hits${id} += ${i}; return f->count; }`,
      `  }`,
      `  f = calloc(1, sizeof *f);`,
      `  if (!f) return -1;`,
      `  f->src = ip->ip_src.s_addr; f->dst = ip->ip_dst.s_addr;`,
      `  switch (ip->ip_p) { case IPPROTO_TCP: f->sport = 1; break; case IPPROTO_UDP: f->sport = 2; /* fallthrough */ default: f->dport = 3; }`,
      `  f->next = table${id}[h]; table${id}[h] = f;`,
      `  return 0;`,
      `}`,
    );
  }
  return out.join('\n') + '\n';
}

interface Row {
  input: string;
  units: number;
  lines: number;
  best: FrontendTimings;
  medianTotalMs: number;
}

function measure(input: string, files: string[], repeat: number): Row {
  const runs: FrontendTimings[] = [];
  let units = 0;
  for (let r = 0; r < repeat; r++) {
    const p = loadProgram(files);
    units = p.units.length;
    runs.push({ ...lastTimings });
  }
  // Parse and lower are ranked by CPU time (the machine may be shared); cc -E by wall time.
  const total = (t: FrontendTimings): number => t.preprocessMs + t.parseCpuMs + t.lowerCpuMs;
  runs.sort((a, b) => total(a) - total(b));
  return { input, units, lines: runs[0].preprocessedLines, best: runs[0], medianTotalMs: total(runs[Math.floor(runs.length / 2)]) };
}

function report(r: Row): string {
  const t = r.best;
  const rate = (ms: number): string => `${Math.round(r.lines / (ms / 1000)).toLocaleString('en-US')} lines/s`;
  return [
    `${r.input}: ${r.units} units, ${r.lines.toLocaleString('en-US')} preprocessed lines`,
    `  best run: cc -E ${t.preprocessMs.toFixed(0)} ms wall; parse ${t.parseCpuMs.toFixed(0)} ms CPU (${t.parseMs.toFixed(0)} wall); lower ${t.lowerCpuMs.toFixed(0)} ms CPU (${t.lowerMs.toFixed(0)} wall)`,
    `  preprocess+parse+lower: ${rate(t.preprocessMs + t.parseCpuMs + t.lowerCpuMs)} (median run ${rate(r.medianTotalMs)})`,
    `  parse+lower (CPU, one core): ${rate(t.parseCpuMs + t.lowerCpuMs)}; lower alone: ${rate(t.lowerCpuMs)}`,
  ].join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const functions = opt('--functions', 4000);
  const repeat = opt('--repeat', 3);
  const dir = mkdtempSync(join(tmpdir(), 'statelab-bench-'));
  try {
    const perUnit = Math.ceil(functions / 4);
    const files = [0, 1, 2, 3].map((k) => {
      const f = join(dir, `gen${k}.c`);
      writeFileSync(f, generateUnit(k, perUnit));
      return f;
    });
    console.log(report(measure(`generated (${functions} functions in 4 units)`, files, repeat)));
    const mb = 'middleboxes';
    if (existsSync(mb)) {
      const dirs = readdirSync(mb).filter((d) => existsSync(join(mb, d, 'mbox.json'))).map((d) => join(mb, d));
      for (const d of dirs) console.log(report(measure(d, [d], repeat)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
