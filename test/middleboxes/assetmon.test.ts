// Behaviour of assetmon (PRADS-like): asset-log lines derived independently
// from the traces, connection-check limits, asset expiry, config errors.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LINUX_SYN_OPTIONS,
  MIDDLEBOXES_DIR,
  SHARED_TRACES_DIR,
  TH,
  ethernet,
  ipv4,
  make,
  readPcap,
  run,
  tcp,
  tempDir,
  writePcap,
} from './helpers.js';

const DIR = join(MIDDLEBOXES_DIR, 'assetmon');
const BUILD = 'build/behaviour';
const BIN = join(DIR, BUILD, 'assetmon');
const work = tempDir('assetmon');
const LINE = /^([0-9a-f.:]+),(\d+),(\d+),(\d+),(SYN|SYNACK|SERVER|CLIENT|ARP),\[(.*)\],(\d+),(\d+)$/;

beforeAll(async () => {
  const b = await make(DIR, ['all'], [`BUILD=${BUILD}`]);
  expect(b.code, b.output).toBe(0);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function assetLog(trace: string, conf = join(DIR, 'assetmon.conf')): Promise<{ lines: string[]; stats: string; code: number | null; stderr: string }> {
  const log = join(work, 'assets.log');
  const r = await run(BIN, ['-c', conf, '-r', trace, '-l', log], { cwd: DIR });
  const all = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n') : [];
  return { lines: all.filter((l) => !l.startsWith('#')), stats: all.find((l) => l.startsWith('# stats')) ?? '', code: r.code, stderr: r.stderr };
}

const initialTtl = (t: number) => (t <= 32 ? 32 : t <= 64 ? 64 : t <= 128 ? 128 : 255);

/** Plain IPv4/TCP view of an untagged Ethernet frame (enough for the traces used here). */
function tcp4(f: Buffer) {
  if (f.length < 34 || f.readUInt16BE(12) !== 0x0800 || f[23] !== 6) return null;
  const ihl = (f[14] & 15) * 4;
  const t = 14 + ihl;
  if (f.length < t + 20) return null;
  const doff = (f[t + 12] >> 4) * 4;
  const ipLen = f.readUInt16BE(16);
  return {
    src: [...f.subarray(26, 30)].join('.'),
    ttl: f[22],
    id: f.readUInt16BE(18),
    df: (f.readUInt16BE(20) & 0x4000) !== 0 ? 1 : 0,
    ipLen,
    ihl,
    sport: f.readUInt16BE(t),
    flags: f[t + 13],
    ack: f.readUInt32BE(t + 8),
    win: f.readUInt16BE(t + 14),
    urp: f.readUInt16BE(t + 18),
    optLen: doff - 20,
    payload: f.subarray(t + doff, Math.min(f.length, 14 + ipLen)),
  };
}

interface SynthPkt {
  t: number;
  frame: Buffer;
}

function synthetic(): Buffer {
  const t0 = 1_700_000_000;
  const p: SynthPkt[] = [];
  const A = '10.9.0.1';
  const B = '10.9.0.2';
  const C = '10.9.0.3';
  const D = '10.9.0.4';
  const E = '10.9.0.5';
  const push = (t: number, frame: Buffer) => p.push({ t, frame });
  // SSH: SYN, SYN+ACK, banner.
  push(t0, ethernet(0x0800, ipv4({ src: A, dst: B, proto: 6, df: true, id: 7 }, tcp({ sport: 40000, dport: 22, flags: TH.SYN, win: 64240, options: LINUX_SYN_OPTIONS }))));
  push(t0, ethernet(0x0800, ipv4({ src: B, dst: A, proto: 6, df: true, id: 0, ttl: 61 }, tcp({ sport: 22, dport: 40000, flags: TH.SYN | TH.ACK, win: 65160, ack: 2, options: LINUX_SYN_OPTIONS }))));
  push(t0, ethernet(0x0800, ipv4({ src: B, dst: A, proto: 6, ttl: 61 }, tcp({ sport: 22, dport: 40000, flags: TH.ACK | TH.PSH }, Buffer.from('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3\r\n')))));
  // HTTP client with a User-Agent.
  push(t0 + 1, ethernet(0x0800, ipv4({ src: A, dst: C, proto: 6 }, tcp({ sport: 40001, dport: 80, flags: TH.ACK | TH.PSH }, Buffer.from('GET / HTTP/1.1\r\nHost: c\r\nUser-Agent: curl/8.5.0\r\n\r\n')))));
  // FTP server whose banner arrives as the responder's 12th payload packet: past the check limit.
  // A second connection whose banner is its 10th: still checked.
  for (const [sport, late] of [[50000, 12], [50001, 10]] as const) {
    push(t0 + 2, ethernet(0x0800, ipv4({ src: D, dst: E, proto: 6 }, tcp({ sport, dport: 21, flags: TH.ACK | TH.PSH }, Buffer.from('hello\r\n')))));
    for (let i = 1; i < late; i++) push(t0 + 2, ethernet(0x0800, ipv4({ src: E, dst: D, proto: 6 }, tcp({ sport: 21, dport: sport, flags: TH.ACK | TH.PSH }, Buffer.from(`noise ${i}\r\n`)))));
    push(t0 + 2, ethernet(0x0800, ipv4({ src: E, dst: D, proto: 6 }, tcp({ sport: 21, dport: sport, flags: TH.ACK | TH.PSH }, Buffer.from(`220 ProFTPD 1.3.${late === 10 ? 5 : 9} Server ready\r\n`)))));
  }
  // The same SYN fingerprint from A 100 s later: already known, not logged again.
  push(t0 + 100, ethernet(0x0800, ipv4({ src: A, dst: B, proto: 6, df: true, id: 9 }, tcp({ sport: 40002, dport: 22, flags: TH.SYN, win: 64240, options: LINUX_SYN_OPTIONS }))));
  // Two hours later (past the 3600 s asset timeout and a sweep): A's asset was forgotten, so it is logged again.
  push(t0 + 7300, ethernet(0x0800, ipv4({ src: D, dst: E, proto: 17 }, Buffer.from([0, 1, 0, 2, 0, 8, 0, 0]))));
  push(t0 + 7301, ethernet(0x0800, ipv4({ src: A, dst: B, proto: 6, df: true, id: 11 }, tcp({ sport: 40003, dport: 22, flags: TH.SYN, win: 64240, options: LINUX_SYN_OPTIONS }))));
  // ARP reply binding 10.9.0.9 to 02:00:00:00:00:09.
  const arp = Buffer.from([0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 0, 9, 10, 9, 0, 9, 2, 0, 0, 0, 0, 1, 10, 9, 0, 1]);
  push(t0 + 7302, ethernet(0x0806, arp));
  return writePcap(p.map(({ t, frame }) => ({ sec: t, usec: 0, data: frame })));
}

describe('assetmon', () => {
  it('logs what a synthetic trace shows: OS, services, clients, check limit, asset expiry, ARP', async () => {
    const trace = join(work, 'synthetic.pcap');
    writeFileSync(trace, synthetic());
    const { lines, stats, code, stderr } = await assetLog(trace);
    expect(code, stderr).toBe(0);
    for (const l of lines) expect(l).toMatch(LINE);
    const t0 = 1_700_000_000;
    // TTL 61 from a 64 host: 3 hops.
    expect(lines).toContain(`10.9.0.2,0,22,6,SERVER,[ssh:OpenSSH 9.6p1 (Protocol 2.0)],3,${t0}`);
    expect(lines).toContain(`10.9.0.1,0,80,6,CLIENT,[http:curl 8.5.0],0,${t0 + 1}`);
    expect(lines).toContain(`10.9.0.5,0,21,6,SERVER,[ftp:ProFTPD 1.3.5],0,${t0 + 2}`);
    expect(lines.filter((l) => l.includes('ProFTPD 1.3.9'))).toEqual([]);
    const synA = lines.filter((l) => l.startsWith('10.9.0.1,') && l.includes(',SYN,'));
    expect(synA.map((l) => l.split(',').at(-1))).toEqual([String(t0), String(t0 + 7301)]);
    expect(synA[0]).toContain('[64240:64:1:60:M1460,S,T,N,W7:.:');
    expect(lines.filter((l) => l.includes(',SYNACK,'))[0]).toMatch(/^10\.9\.0\.2,0,22,6,SYNACK,\[65160:64:1:60:M1460,S,T,N,W7:Z:Linux:/);
    expect(lines).toContain(`10.9.0.9,0,0,0,ARP,[02:00:00:00:00:09],0,${t0 + 7302}`);
    expect(stats).toMatch(/assets_expired=[1-9]/);
    expect(stats).toMatch(/ expired=[1-9]/);
  });

  it.skipIf(!existsSync(SHARED_TRACES_DIR))('reports the OpenSSH server banner exactly as the trace carries it', async () => {
    const trace = join(SHARED_TRACES_DIR, 'ssh-bruteforce.pcap');
    const pkts = readPcap(readFileSync(trace)).packets;
    const first = pkts.map((p) => ({ p, t: tcp4(p.data) })).find(({ t }) => t && t.payload.toString('latin1').startsWith('SSH-') && t.sport !== 0 && /OpenSSH/.test(t.payload.toString('latin1')) && t.flags & TH.ACK && t.sport < 1024);
    expect(first).toBeDefined();
    const m = /^SSH-([.0-9]+)-OpenSSH_(\S+)/.exec(first!.t!.payload.toString('latin1'))!;
    const { lines, code } = await assetLog(trace);
    expect(code).toBe(0);
    const ttl = first!.t!.ttl;
    expect(lines).toContain(`${first!.t!.src},0,${first!.t!.sport},6,SERVER,[ssh:OpenSSH ${m[2]} (Protocol ${m[1]})],${initialTtl(ttl) - ttl},${first!.p.sec}`);
  });

  it.skipIf(!existsSync(SHARED_TRACES_DIR))('fingerprints every SYN of a SYN flood once per source, as computed from the packets', async () => {
    const trace = join(SHARED_TRACES_DIR, 'synflood-small.pcap');
    const expected = new Set<string>();
    const seen = new Set<string>();
    for (const p of readPcap(readFileSync(trace)).packets) {
      const t = tcp4(p.data)!;
      expect(t.optLen).toBe(0); // the model below covers option-less SYNs only
      if (seen.has(t.src)) continue;
      seen.add(t.src);
      let q = '';
      if (t.id === 0) q += 'Z';
      if (t.ihl > 20) q += 'I';
      if (t.urp !== 0 && !(t.flags & TH.URG)) q += 'U';
      if (t.ack !== 0) q += 'A';
      if (t.flags & ~(TH.SYN | 0xc0)) q += 'F';
      if (t.payload.length) q += 'D';
      const fp = `${t.win}:${initialTtl(t.ttl)}:${t.df}:${t.ipLen}:.:${q || '.'}`;
      const os = fp === '512:64:0:40:.:.' ? 'Tool:hping (default, no options)' : 'UNKNOWN:UNKNOWN';
      expected.add(`${t.src},0,${t.sport},6,SYN,[${fp}:${os}],${initialTtl(t.ttl) - t.ttl},${p.sec}`);
    }
    const { lines, code } = await assetLog(trace);
    expect(code).toBe(0);
    expect(new Set(lines.filter((l) => l.includes(',SYN,')))).toEqual(expected);
  });

  it.skipIf(!existsSync(SHARED_TRACES_DIR))('writes only well-formed asset lines on mixed real traces', async () => {
    for (const f of ['tcpreplay-test-mixed.pcap', 'skype-lan-mixed.pcap', 'home-web-browsing.pcap']) {
      const { lines, stats, code } = await assetLog(join(SHARED_TRACES_DIR, f));
      expect(code).toBe(0);
      expect(lines.length).toBeGreaterThan(3);
      for (const l of lines) expect(l, f).toMatch(LINE);
      expect(stats).toMatch(/^# stats packets=\d+/);
    }
  });

  it('rejects broken signature and fingerprint lines with file:line and exit code 2', async () => {
    const cases: [string, string, RegExp][] = [
      ['sigs/tcp-service.sig', 'www,v/X///,Server: (unclosed\n', /tcp-service\.sig:\d+: bad regex/],
      ['sigs/tcp-clients.sig', 'http,no-template,x\n', /tcp-clients\.sig:\d+: version template/],
      ['sigs/os.fp', 'S4:64:1:60:M*,Q:.:Linux:x\n', /os\.fp:\d+: bad option list/],
      ['sigs/osa.fp', 'S4:300:1:60:M*:.:Linux:x\n', /osa\.fp:\d+: bad TTL/],
      ['assetmon.conf', 'colour blue\n', /assetmon\.conf:\d+: unknown key 'colour'/],
    ];
    for (const [file, bad, msg] of cases) {
      const copy = join(work, 'conf-copy');
      rmSync(copy, { recursive: true, force: true });
      cpSync(join(DIR, 'assetmon.conf'), join(copy, 'assetmon.conf'));
      cpSync(join(DIR, 'sigs'), join(copy, 'sigs'), { recursive: true });
      writeFileSync(join(copy, file), readFileSync(join(copy, file), 'utf8') + bad);
      const r = await run(BIN, ['-c', join(copy, 'assetmon.conf'), '-r', '-'], { cwd: DIR, input: Buffer.alloc(0) });
      expect(r.code, file).toBe(2);
      expect(r.stderr, file).toMatch(msg);
    }
  });
});
