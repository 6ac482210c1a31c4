// Scale benchmark of the whole analysis (`analyze()`, as `statelab analyze` runs it) on generated
// middleboxes of growing size: per-stage time and peak RSS per size, with a sanity check of the verdicts.
// Run: npx vite-node analyzer/bench-scale.ts [--sizes 250,1000,4000] [--repeat N] [--alloc table|site] [--json FILE]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from './analyze.js';
import type { AnalysisReport, StageTiming } from './state/types.js';

const HEADERS = ['pcap.h', 'stdio.h', 'stdlib.h', 'string.h', 'netinet/ip.h', 'netinet/tcp.h', 'netinet/udp.h', 'arpa/inet.h', 'pthread.h', 'signal.h'];
/** Flow-table functions per generated unit (a few thousand lines per file, like PRADS's larger files). */
const PER_UNIT = 100;
/** Length of each call chain (a function hands the packet to the next stage of its chain). */
const CHAIN = 5;

/**
 * Where a unit's flow entries are allocated: `table`, in one insert function per table (PRADS's
 * cxt_new, Snort's session allocation); `site`, by a calloc in every flow-table function (one heap
 * object per function, all flowing into the same table: the stress case for the SDG).
 */
export type AllocShape = 'table' | 'site';

/** The shape of a generated middlebox: `functions` flow-table functions in `units` files. */
export interface ScaleShape {
  functions: number;
  units: number;
  alloc: AllocShape;
}

export function shapeOf(functions: number, alloc: AllocShape = 'table'): ScaleShape {
  return { functions, units: Math.max(1, Math.ceil(functions / PER_UNIT)), alloc };
}

const fn = (k: number, i: number): string => `f${k}_${i}`;
const perUnit = (s: ScaleShape, k: number): number => Math.min(PER_UNIT, s.functions - k * PER_UNIT) || s.functions;
/** Heads of the call chains of unit k (the functions the dispatchers call). */
const heads = (s: ScaleShape, k: number): number[] => {
  const out: number[] = [];
  for (let i = 0; i < perUnit(s, k); i += CHAIN) out.push(i);
  return out;
};

/** The chain heads of unit k in main's function-pointer table. */
const tableHeads = (s: ScaleShape, k: number): number[] => heads(s, k).slice(0, 4);

/** The shared header: the helpers, the dispatchers and the chain heads main's table names (a unit declares its own functions). */
function header(s: ScaleShape): string {
  const out = ['#ifndef SCALE_H', '#define SCALE_H', ...HEADERS.map((h) => `#include <${h}>`)];
  out.push(
    'typedef int (*handler_t)(const u_char *, size_t);',
    'extern FILE *logf_;',
    'extern unsigned long proto_count[256];',
    'unsigned flow_hash(uint32_t a, uint32_t b);',
    'void count_proto(int proto);',
    'void log_event(const char *what, int value);',
  );
  for (let k = 0; k < s.units; k++) {
    out.push(`int dispatch${k}(const u_char *pkt, size_t len, unsigned sel);`);
    for (const h of tableHeads(s, k)) out.push(`int ${fn(k, h)}(const u_char *pkt, size_t len);`);
  }
  out.push('#endif');
  return out.join('\n') + '\n';
}

/** The helpers called from every flow-table function (as real code shares its hash and log). */
function helpers(): string {
  return [
    '#include "scale.h"',
    'FILE *logf_;',
    'unsigned long proto_count[256];',
    'unsigned flow_hash(uint32_t a, uint32_t b) {',
    '  uint32_t h = a * 2654435761u;',
    '  h ^= b + 0x9e3779b9u + (h << 6) + (h >> 2);',
    '  return h;',
    '}',
    'void count_proto(int proto) { proto_count[proto & 255]++; }',
    'void log_event(const char *what, int value) {',
    '  if (logf_) fprintf(logf_, "%s %d\\n", what, value);',
    '}',
  ].join('\n') + '\n';
}

/** Unit k: a per-flow table, a counter, `perUnit` flow-table functions in call chains, and its dispatcher. */
export function generateScaleUnit(s: ScaleShape, k: number): string {
  const n = perUnit(s, k);
  const out = ['#include "scale.h"'];
  for (let i = 0; i < n; i++) out.push(`int ${fn(k, i)}(const u_char *pkt, size_t len);`);
  out.push(`struct flow${k} { uint32_t src, dst; uint16_t sport, dport; int count; struct flow${k} *next; };`);
  out.push(`static struct flow${k} *table${k}[1024];`, `int hits${k};`);
  if (s.alloc === 'table') {
    out.push(
      `static struct flow${k} *flow${k}_insert(unsigned h, uint32_t src, uint32_t dst) {`,
      `  struct flow${k} *f = calloc(1, sizeof *f);`,
      `  if (!f) return NULL;`,
      `  f->src = src; f->dst = dst;`,
      `  f->next = table${k}[h]; table${k}[h] = f;`,
      `  return f;`,
      `}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const next = (i + 1) % CHAIN !== 0 && i + 1 < n ? `${fn(k, i + 1)}(pkt, len)` : 'f->count';
    out.push(
      `int ${fn(k, i)}(const u_char *pkt, size_t len) {`,
      `  if (len < 14 + sizeof(struct ip)) return -1;`,
      `  const struct ip *ip = (const struct ip *)(pkt + 14);`,
      `  unsigned h = flow_hash(ip->ip_src.s_addr, ip->ip_dst.s_addr) & 1023;`,
      `  struct flow${k} *f;`,
      `  count_proto(ip->ip_p);`,
      `  for (f = table${k}[h]; f != NULL; f = f->next) {`,
      `    if (f->src == ip->ip_src.s_addr && f->dst == ip->ip_dst.s_addr) {`,
      `      f->count++; hits${k} += ${i};`,
      `      if (f->count > ${100 + i}) log_event("${fn(k, i)}", f->count);`,
      `      return ${next};`,
      `    }`,
      `  }`,
      ...(s.alloc === 'table'
        ? [`  f = flow${k}_insert(h, ip->ip_src.s_addr, ip->ip_dst.s_addr);`, `  if (!f) return -1;`]
        : [`  f = calloc(1, sizeof *f);`, `  if (!f) return -1;`, `  f->src = ip->ip_src.s_addr; f->dst = ip->ip_dst.s_addr;`]),
      `  switch (ip->ip_p) { case IPPROTO_TCP: f->sport = 1; break; case IPPROTO_UDP: f->sport = 2; /* fallthrough */ default: f->dport = 3; }`,
      ...(s.alloc === 'site' ? [`  f->next = table${k}[h]; table${k}[h] = f;`] : []),
      `  return 0;`,
      `}`,
    );
  }
  out.push(`int dispatch${k}(const u_char *pkt, size_t len, unsigned sel) {`, `  switch (sel % ${heads(s, k).length}) {`);
  heads(s, k).forEach((h, j) => out.push(`  case ${j}: return ${fn(k, h)}(pkt, len);`));
  out.push('  default: return -1;', '  }', '}');
  return out.join('\n') + '\n';
}

/** The loop procedure: pcap_next_ex, direct dispatch by unit, a function-pointer table, counters, output. */
function mainUnit(s: ScaleShape): string {
  const table: string[] = [];
  for (let k = 0; k < s.units; k++) for (const h of tableHeads(s, k)) table.push(fn(k, h));
  const out = [
    '#include "scale.h"',
    `static handler_t handlers[${table.length}] = { ${table.join(', ')} };`,
    'static unsigned long pkts, bytes;',
    'static int process(const u_char *pkt, size_t len) {',
    '  if (len < 14 + sizeof(struct ip)) return -1;',
    '  const struct ip *ip = (const struct ip *)(pkt + 14);',
    '  int r = -1;',
    `  switch (ip->ip_tos % ${s.units}) {`,
  ];
  for (let k = 0; k < s.units; k++) out.push(`  case ${k}: r = dispatch${k}(pkt, len, ntohs(ip->ip_id)); break;`);
  out.push(
    '  default: break;',
    '  }',
    `  r += handlers[ip->ip_ttl % ${table.length}](pkt, len);`,
    '  return r;',
    '}',
    'int main(int argc, char **argv) {',
    '  char errbuf[PCAP_ERRBUF_SIZE];',
    '  if (argc < 2) return 2;',
    '  pcap_t *p = pcap_open_offline(argv[1], errbuf);',
    '  if (!p) { fprintf(stderr, "%s\\n", errbuf); return 1; }',
    '  logf_ = fopen("scale.log", "w");',
    '  struct pcap_pkthdr *hdr;',
    '  const u_char *pkt;',
    '  while (pcap_next_ex(p, &hdr, &pkt) == 1) {',
    '    pkts++; bytes += hdr->caplen;',
    '    if (process(pkt, hdr->caplen) >= 0) pcap_inject(p, pkt, hdr->caplen);',
    '  }',
    '  fprintf(stderr, "%lu packets, %lu bytes\\n", pkts, bytes);',
    '  pcap_close(p);',
    '  return 0;',
    '}',
  );
  return out.join('\n') + '\n';
}

/** Writes the generated middlebox into `dir`; returns its C files. */
export function writeScaleMiddlebox(dir: string, functions: number, alloc: AllocShape = 'table'): string[] {
  const s = shapeOf(functions, alloc);
  writeFileSync(join(dir, 'scale.h'), header(s));
  const files: [string, string][] = [['main.c', mainUnit(s)], ['helpers.c', helpers()]];
  for (let k = 0; k < s.units; k++) files.push([`unit${k}.c`, generateScaleUnit(s, k)]);
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}

/**
 * What the analysis must find in a generated middlebox, so the benchmark cannot measure a
 * degenerate program: main is the loop procedure, every unit's flow table is persistent,
 * top-level, updateable and keyed by the addresses, the protocol counter by the protocol,
 * and the tables reach the log and the packet output. Returns the problems (empty when sane).
 */
export function sanityProblems(r: AnalysisReport, functions: number): string[] {
  const s = shapeOf(functions);
  const problems: string[] = [];
  if (!r.loopProcs.includes('main')) problems.push(`loop procedures ${JSON.stringify(r.loopProcs)} lack main`);
  const byName = new Map(r.variables.map((v) => [v.name, v]));
  const expect = (name: string, what: string, ok: (v: AnalysisReport['variables'][number]) => boolean): void => {
    const v = byName.get(name);
    if (!v) problems.push(`${name}: not reported persistent`);
    else if (!ok(v)) problems.push(`${name}: ${what} (got ${JSON.stringify({ ...v, reasons: undefined })})`);
  };
  for (let k = 0; k < s.units; k++) {
    expect(`table${k}`, 'not a top-level updateable table keyed by ip.src and ip.dst that reaches the log and the output', (v) =>
      v.topLevel && v.updateable && v.flowspace.includes('ip.src') && v.flowspace.includes('ip.dst') && v.logOutput && v.pktOutput);
    expect(`hits${k}`, 'not a top-level updateable counter', (v) => v.topLevel && v.updateable);
  }
  expect('proto_count', 'not updateable and keyed by ip.proto', (v) => v.updateable && v.flowspace.includes('ip.proto'));
  expect('pkts', 'not a top-level updateable counter', (v) => v.topLevel && v.updateable);
  if (r.program.functions < functions) problems.push(`only ${r.program.functions} functions (generated ${functions})`);
  return problems;
}

export interface SizeResult {
  functions: number;
  units: number;
  loc: number;
  /** Stage timings of the fastest of the repeats (by total). */
  timings: StageTiming[];
  totalMs: number;
  /** Median total over the repeats. */
  medianTotalMs: number;
  /** The child process's peak resident set, MiB. */
  peakRssMiB: number;
  counts: AnalysisReport['counts'];
}

/** One size, in this process (the child of `main`, so peak RSS is this size's alone). */
export function measureSize(functions: number, repeat: number, alloc: AllocShape = 'table'): SizeResult {
  const dir = mkdtempSync(join(tmpdir(), 'statelab-scale-'));
  try {
    const files = writeScaleMiddlebox(dir, functions, alloc);
    const runs: { timings: StageTiming[]; total: number; report: AnalysisReport }[] = [];
    for (let i = 0; i < repeat; i++) {
      const start = performance.now();
      const { report } = analyze(files);
      const problems = sanityProblems(report, functions);
      if (problems.length) throw new Error(`generated middlebox of ${functions} functions analyzed wrongly:\n  ${problems.join('\n  ')}`);
      runs.push({ timings: report.timings, total: performance.now() - start, report });
    }
    const byTotal = [...runs].sort((a, b) => a.total - b.total);
    const best = byTotal[0];
    const usage = process.resourceUsage();
    return {
      functions,
      units: shapeOf(functions).units,
      loc: best.report.program.loc,
      timings: best.timings,
      totalMs: best.total,
      medianTotalMs: byTotal[Math.floor(byTotal.length / 2)].total,
      peakRssMiB: usage.maxRSS / 1024,
      counts: best.report.counts,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatTable(rows: SizeResult[]): string {
  const stages = [...new Set(rows.flatMap((r) => r.timings.map((t) => t.stage)))];
  const head = ['functions', 'lines', ...stages, 'total ms', 'median', 'peak MiB'];
  const body = rows.map((r) => [
    String(r.functions),
    String(r.loc),
    ...stages.map((s) => (r.timings.find((t) => t.stage === s)?.ms ?? 0).toFixed(0)),
    r.totalMs.toFixed(0),
    r.medianTotalMs.toFixed(0),
    r.peakRssMiB.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const repeat = Number(opt('--repeat') ?? 1);
  const alloc = opt('--alloc') ?? 'table';
  if (alloc !== 'table' && alloc !== 'site') throw new Error(`--alloc is table or site, not '${alloc}'`);
  const child = opt('--child');
  if (child !== undefined) {
    process.stdout.write('\n@@' + JSON.stringify(measureSize(Number(child), repeat, alloc)) + '\n');
    return;
  }
  const sizes = (opt('--sizes') ?? '250,1000,4000').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(repeat) || repeat < 1) {
    throw new Error('usage: bench-scale.ts [--sizes N,N,...] [--repeat R] [--alloc table|site] [--json FILE]');
  }
  const self = fileURLToPath(import.meta.url);
  const rows: SizeResult[] = [];
  for (const n of sizes) {
    // One child per size: the kernel's peak RSS is per process.
    const r = spawnSync('npx', ['vite-node', self, '--child', String(n), '--repeat', String(repeat), '--alloc', alloc], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('@@'));
    if (r.status !== 0 || !line) throw new Error(`size ${n} failed (exit ${r.status}):\n${r.stderr}`);
    rows.push(JSON.parse(line.slice(2)) as SizeResult);
    console.error(`done: ${n} functions`);
  }
  console.log(formatTable(rows));
  const json = opt('--json');
  if (json) writeFileSync(json, JSON.stringify(rows, null, 2) + '\n');
}

// A script (vite-node gives no way to tell the entry module); the test imports the generator under vitest.
if (!process.env.VITEST) main();
