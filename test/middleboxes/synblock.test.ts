// Behaviour of synblock (the paper's Figure 3 example): its forwarded packets
// and block log are checked against an independent TypeScript model.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MIDDLEBOXES_DIR,
  SHARED_TRACES_DIR,
  TH,
  ethernet,
  firstDifference,
  ipv4,
  make,
  readPcap,
  run,
  tcp,
  tempDir,
  udp,
  writePcap,
  type PcapPacket,
} from './helpers.js';

const DIR = join(MIDDLEBOXES_DIR, 'synblock');
const BUILD = 'build/behaviour';
const BIN = join(DIR, BUILD, 'synblock');
const work = tempDir('synblock');

beforeAll(async () => {
  const b = await make(DIR, ['all'], [`BUILD=${BUILD}`]);
  expect(b.code, b.output).toBe(0);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** IPv4 source and "is a SYN without ACK" of an Ethernet frame, read independently of the C decoder. */
function ipv4SynInfo(f: Buffer): { src: string; syn: boolean } | null {
  if (f.length < 14) return null;
  let off = 12;
  let type = f.readUInt16BE(off);
  while ((type === 0x8100 || type === 0x88a8 || type === 0x9100) && off + 6 <= f.length) {
    off += 4;
    type = f.readUInt16BE(off);
  }
  off += 2;
  if (type !== 0x0800 || f.length < off + 20 || f[off] >> 4 !== 4) return null;
  const ihl = (f[off] & 15) * 4;
  if (ihl < 20 || f.length < off + ihl) return null;
  const src = [...f.subarray(off + 12, off + 16)].join('.');
  const laterFragment = (f.readUInt16BE(off + 6) & 0x1fff) !== 0;
  const l4 = off + ihl;
  let syn = false;
  if (f[off + 9] === 6 && !laterFragment && f.length >= l4 + 20) {
    const flags = f[l4 + 13];
    syn = (flags & TH.SYN) !== 0 && (flags & TH.ACK) === 0;
  }
  return { src, syn };
}

/** The expected behaviour: count SYNs per source; forward while the count is below the threshold. */
function model(packets: PcapPacket[], threshold: number): { forwarded: PcapPacket[]; log: string[] } {
  const counts = new Map<string, number>();
  const forwarded: PcapPacket[] = [];
  const log: string[] = [];
  for (const p of packets) {
    const info = ipv4SynInfo(p.data);
    if (info) {
      const n = (counts.get(info.src) ?? 0) + (info.syn ? 1 : 0);
      counts.set(info.src, n);
      if (info.syn && n === threshold) log.push(`${p.sec}.${String(p.usec).padStart(6, '0')} block ${info.src} syns=${n}`);
      if (n >= threshold) continue;
    }
    forwarded.push(p);
  }
  return { forwarded, log };
}

async function runSynblock(trace: string, threshold: number): Promise<{ code: number | null; stderr: string; log: Buffer; pcap: Buffer }> {
  const conf = join(work, `t${threshold}.conf`);
  writeFileSync(conf, `# test\nthreshold ${threshold}\n`);
  const log = join(work, `out-${threshold}.log`);
  const out = join(work, `out-${threshold}.pcap`);
  const r = await run(BIN, ['-c', conf, '-r', trace, '-l', log, '-w', out], { cwd: DIR });
  return { code: r.code, stderr: r.stderr, log: readFileSync(log), pcap: readFileSync(out) };
}

async function checkAgainstModel(trace: string, threshold: number): Promise<{ forwarded: number; blocked: number }> {
  const input = readPcap(readFileSync(trace)).packets;
  const expected = model(input, threshold);
  const r = await runSynblock(trace, threshold);
  expect(r.code, r.stderr).toBe(0);
  const got = readPcap(r.pcap).packets;
  expect(got.length).toBe(expected.forwarded.length);
  got.forEach((p, i) => {
    const e = expected.forwarded[i];
    expect(p.data.equals(e.data) && p.sec === e.sec && p.usec === e.usec, `record ${i}`).toBe(true);
  });
  const lines = r.log.toString().trimEnd().split('\n');
  expect(lines.slice(0, -1)).toEqual(expected.log);
  expect(lines.at(-1)).toMatch(new RegExp(`^summary packets=${input.length} forwarded=${got.length} blocked=${input.length - got.length} `));
  return { forwarded: got.length, blocked: input.length - got.length };
}

/** A synthetic trace: two attackers (one behind a VLAN tag), a well-behaved host, UDP and a SYN+ACK. */
function syntheticTrace(): Buffer {
  const pkts: Buffer[] = [];
  for (let i = 0; i < 8; i++) {
    pkts.push(ethernet(0x0800, ipv4({ src: '192.0.2.1', dst: '198.51.100.1', proto: 6 }, tcp({ sport: 1000 + i, dport: 80, flags: TH.SYN }))));
    pkts.push(ethernet(0x0800, ipv4({ src: '192.0.2.2', dst: '198.51.100.1', proto: 6 }, tcp({ sport: 2000 + i, dport: 80, flags: TH.SYN })), [{ tpid: 0x8100, vid: 7 }]));
    pkts.push(ethernet(0x0800, ipv4({ src: '192.0.2.3', dst: '198.51.100.1', proto: 6 }, tcp({ sport: 3000, dport: 80, flags: TH.ACK | TH.PSH }, Buffer.from('data')))));
    pkts.push(ethernet(0x0800, ipv4({ src: '192.0.2.1', dst: '198.51.100.9', proto: 17 }, udp(53, 53, Buffer.from('q')))));
    pkts.push(ethernet(0x0800, ipv4({ src: '192.0.2.4', dst: '198.51.100.1', proto: 6 }, tcp({ sport: 80, dport: 4000 + i, flags: TH.SYN | TH.ACK }))));
  }
  return writePcap(pkts.map((data, i) => ({ sec: 1_700_000_000 + Math.floor(i / 3), usec: (i * 7919) % 1_000_000, data })));
}

describe('synblock', () => {
  it('keeps the paper Figure 3 design the analysis is measured on', () => {
    const src = readFileSync(join(DIR, 'synblock.c'), 'utf8');
    expect(src).toMatch(/int \*index = &tail;\s*\*index = \(\*index \+ 1\) % 100;/);
    expect(src).toMatch(/head = \(head \+ 1\) % 100;\s*queue\[head\] = pkt;/);
    expect(src).toMatch(/pthread_create\(&thread, NULL, processPacket, NULL\)/);
    expect(src).toMatch(/int loopProcedure\([^)]*\) \{[\s\S]*pcap_next\(extPcap, &pcapHdr\)[\s\S]*ifFull_Wait\(\);[\s\S]*enqueue\(/);
    expect(src).toMatch(/char \*queue\[100\];/);
  });

  it('blocks sources at the threshold on a synthetic trace (VLAN, UDP, SYN+ACK), as the model says', async () => {
    const trace = join(work, 'synthetic.pcap');
    writeFileSync(trace, syntheticTrace());
    const r = await checkAgainstModel(trace, 5);
    // 192.0.2.1 and 192.0.2.2 reach 5 SYNs: their 5th..8th SYNs and 192.0.2.1's later UDP are dropped.
    expect(r.blocked).toBe(4 + 4 + 4);
  });

  const shared = ['nmap-synscan.pcap', 'synflood-small.pcap', 'ssh-bruteforce.pcap'].map((f) => join(SHARED_TRACES_DIR, f));
  it.skipIf(!existsSync(SHARED_TRACES_DIR)).each(shared)('matches the model on real trace %s', async (trace) => {
    for (const threshold of [1, 5]) await checkAgainstModel(trace, threshold);
  }, 60_000);

  it.skipIf(!existsSync(SHARED_TRACES_DIR))('a different threshold changes the output (the comparison is not vacuous)', async () => {
    const trace = join(SHARED_TRACES_DIR, 'nmap-synscan.pcap');
    const a = await runSynblock(trace, 5);
    const b = await runSynblock(trace, 1000);
    expect(firstDifference(a, b)).not.toBeNull();
  });

  it('the loop/processing-thread hand-off is race-free under ThreadSanitizer', async () => {
    const exe = join(work, 'synblock-tsan');
    const cc = await run('gcc', ['-std=c11', '-D_DEFAULT_SOURCE', '-Wall', '-Wextra', '-Werror', '-I../common', '-fsanitize=thread', '-g', '-O1', '-o', exe, 'synblock.c', '../common/pkt.c', '../common/mbox_io.c', '-lpthread', '-lpcap'], { cwd: DIR });
    expect(cc.code, cc.stderr).toBe(0);
    const trace = join(work, 'tsan.pcap');
    writeFileSync(trace, syntheticTrace());
    const r = await run(exe, ['-c', 'synblock.conf', '-r', trace, '-l', join(work, 'tsan.log'), '-w', join(work, 'tsan-out.pcap')], {
      cwd: DIR,
      env: { TSAN_OPTIONS: 'halt_on_error=1:exitcode=66' },
    });
    expect(r.stderr).not.toMatch(/ThreadSanitizer/);
    expect(r.code).toBe(0);
  }, 120_000);

  it('rejects a bad config line with file:line and exit code 2', async () => {
    for (const [text, msg] of [
      ['threshold ten\n', /bad\.conf:1: /],
      ['# c\n\nthreshold 0\n', /bad\.conf:3: threshold must be/],
      ['limit 5\n', /bad\.conf:1: expected 'threshold/],
      ['# nothing\n', /bad\.conf:1: no 'threshold' line/],
    ] as const) {
      const conf = join(work, 'bad.conf');
      writeFileSync(conf, text);
      const r = await run(BIN, ['-c', conf, '-r', '-'], { cwd: DIR, input: Buffer.alloc(0) });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});
