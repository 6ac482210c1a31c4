// Shared test helpers for harness/pcap: where the real traces are, and libpcap's
// own reading of a file (through tcpdump) to cross-check ours against.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const SHARED_TRACES = '/work/shared/traces';
export const haveShared = existsSync(join(SHARED_TRACES, 'README.md'));
export const haveTcpdump = existsSync('/usr/bin/tcpdump') || existsSync('/usr/sbin/tcpdump');

export function sharedTraceFiles(): string[] {
  return haveShared ? readdirSync(SHARED_TRACES).filter((f) => f.endsWith('.pcap')).sort() : [];
}

/** Rows of the README's summary tables: file → column name → cell text. */
export function readmeTable(): Map<string, Record<string, string>> {
  const rows = new Map<string, Record<string, string>>();
  let header: string[] | null = null;
  for (const line of readFileSync(join(SHARED_TRACES, 'README.md'), 'utf8').split('\n')) {
    if (!line.startsWith('|')) {
      header = null;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells[0] === 'file') header = cells;
    else if (header !== null && !cells[0].startsWith('---') && header.includes('pkts')) {
      const row: Record<string, string> = {};
      header.forEach((h, i) => (row[h] = cells[i]));
      rows.set(cells[0].replace(/`/g, ''), row);
    }
  }
  return rows;
}

export function num(cell: string): number {
  return Number(cell.replace(/,/g, ''));
}

/** libpcap reads `file` and writes it back as classic pcap (tcpdump -r file -w -). */
export function libpcapRewrite(file: string): Buffer {
  return execFileSync('tcpdump', ['-r', file, '-w', '-'], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** Packet count of `tcpdump -r file [filter]`, i.e. libpcap's reading through BPF. */
export function tcpdumpCount(file: string, filter: string[] = []): number {
  // tcpdump exits 1 on a truncated file after printing the packets before the cut: keep its output.
  const r = spawnSync('tcpdump', ['-r', file, '-nn', '-q', '-tt', ...filter], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error !== undefined || r.stdout === null) throw r.error ?? new Error('tcpdump produced no output');
  const out = r.stdout.toString();
  // tcpdump prints a record with caplen 0 as "[Invalid header: ...]" without a timestamp.
  return out.split('\n').filter((l) => /^(\d+\.\d+ |\[Invalid header)/.test(l)).length;
}
