// The committed traces: each matches its MANIFEST line (sha256, packets, also by
// libpcap's count) and regenerates byte for byte from the command recorded there.
import { describe, expect, it, vi } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import { parsePcapBuffer } from '../../harness/pcap/index.js';
import { readManifest, verifyManifest } from '../../traces/index.js';
import { haveTcpdump, tcpdumpCount } from '../harness/pcap/helpers.js';

const MANIFEST = 'traces/MANIFEST';
const entries = readManifest(MANIFEST);
const count = (f: string): number => parsePcapBuffer(readFileSync(f), f).records.length;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('traces/MANIFEST', () => {
  it('lists the committed traces, a few MB in all', () => {
    expect(entries.map((e) => e.file).sort()).toEqual(['malformed.pcap', 'many-flows.pcap', 'scan.pcap', 'small-mixed.pcap', 'small-mixed.pcapng']);
    const total = entries.reduce((s, e) => s + readFileSync(join('traces', e.file)).length, 0);
    expect(total).toBeLessThan(4 * 1024 * 1024);
  });

  it('every committed trace matches its sha256 and packet count', () => {
    expect(verifyManifest(MANIFEST, count)).toEqual([]);
  });

  it.skipIf(!haveTcpdump)('libpcap counts the same packets as the MANIFEST', () => {
    for (const e of entries) expect(tcpdumpCount(join('traces', e.file)), e.file).toBe(e.packets);
  });

  it('the check catches a flipped byte and a wrong count', () => {
    const dir = mkdtempSync(join(tmpdir(), 'statelab-manifest-'));
    const e = entries[0];
    copyFileSync(join('traces', e.file), join(dir, e.file));
    const b = readFileSync(join(dir, e.file));
    b[b.length - 1] ^= 0xff;
    writeFileSync(join(dir, e.file), b);
    writeFileSync(join(dir, 'MANIFEST'), `${e.file}\t${e.packets + 1}\t${e.sha256}\t${e.command}\n`);
    const problems = verifyManifest(join(dir, 'MANIFEST'), count);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/sha256 .* differs/);
    expect(problems[1]).toMatch(/packets, MANIFEST says/);
  });

  it.each(entries.map((e) => [e.file, e]))('%s regenerates byte for byte from its command', async (_f, e) => {
    const dir = mkdtempSync(join(tmpdir(), 'statelab-regen-'));
    const argv = e.command.split(' ');
    const at = argv.indexOf('--out');
    expect(argv[at + 1]).toBe(`traces/${e.file}`);
    argv[at + 1] = join(dir, e.file);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(argv)).toBe(0);
    } finally {
      out.mockRestore();
    }
    expect(sha(readFileSync(argv[at + 1]))).toBe(e.sha256);
  });
});
