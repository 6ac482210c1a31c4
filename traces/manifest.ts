// traces/MANIFEST: one committed trace per line — file, packets, sha256, and the
// exact `statelab trace gen` command that produced it (its origin).
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { inputError } from '../harness/errors.js';

export interface ManifestEntry {
  file: string;
  packets: number;
  sha256: string;
  /** The command line after `statelab `, e.g. `trace gen --flows 50 --seed 1 --out traces/small-mixed.pcap`. */
  command: string;
  line: number;
}

/** Parse a MANIFEST: `#` comments, then `file<TAB>packets<TAB>sha256<TAB>command`. */
export function readManifest(path: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cols = line.split('\t');
    if (cols.length !== 4 || !/^\d+$/.test(cols[1]) || !/^[0-9a-f]{64}$/.test(cols[2])) {
      throw inputError('expected file<TAB>packets<TAB>sha256<TAB>command', { file: path, line: i + 1 });
    }
    out.push({ file: cols[0], packets: Number(cols[1]), sha256: cols[2], command: cols[3], line: i + 1 });
  });
  return out;
}

/** Check each committed trace against its MANIFEST line: present, same sha256, same packet count. */
export function verifyManifest(manifestPath: string, countPackets: (file: string) => number): string[] {
  const dir = dirname(manifestPath);
  const problems: string[] = [];
  for (const e of readManifest(manifestPath)) {
    const path = join(dir, e.file);
    if (!existsSync(path)) {
      problems.push(`${e.file}: listed in MANIFEST line ${e.line} but missing`);
      continue;
    }
    const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (sha !== e.sha256) problems.push(`${e.file}: sha256 ${sha} differs from MANIFEST ${e.sha256}`);
    const n = countPackets(path);
    if (n !== e.packets) problems.push(`${e.file}: ${n} packets, MANIFEST says ${e.packets}`);
  }
  return problems;
}
