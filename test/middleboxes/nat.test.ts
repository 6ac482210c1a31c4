// Behaviour of middleboxes/nat: source translation, reverse translation of
// replies and ICMP errors, drops of unsolicited traffic, expiry; checksums are
// verified here in TypeScript, independently of the C code.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ETH_IPV4, TCP_ACK, TCP_SYN, ethernet, icmpEcho, inetChecksum, ipv4, macOf, tcp, udp, type Ip4 } from '../../traces/gen/packets.js';
import { failingRun, readPcap, writePcap, type Rec } from './pcap-io.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = join(ROOT, 'middleboxes/nat');
const BIN = join(DIR, 'build/nat');
// Shared real traces; the tests that read them are skipped only when the folder is absent.
const SHARED = join(ROOT, '../shared/traces');


/** Untagged Ethernet + IPv4 view of a frame (null otherwise). */
interface V4 { ip: number; l4: number; proto: number; src: string; dst: string; sport: number; dport: number; len: number; frag: boolean }
function v4(f: Buffer): V4 | null {
  if (f.length < 34 || f.readUInt16BE(12) !== ETH_IPV4 || f[14] >> 4 !== 4) return null;
  const ihl = (f[14] & 15) * 4;
  const l4 = 14 + ihl;
  const proto = f[23];
  const frag = (f.readUInt16BE(20) & 0x3fff) !== 0;
  const ports = (proto === 6 || proto === 17) && f.length >= l4 + 4 && !frag;
  const icmpId = proto === 1 && f.length >= l4 + 8 && !frag && (f[l4] === 0 || f[l4] === 8);
  return {
    ip: 14, l4, proto, frag,
    src: [...f.subarray(26, 30)].join('.'),
    dst: [...f.subarray(30, 34)].join('.'),
    sport: ports ? f.readUInt16BE(l4) : icmpId ? f.readUInt16BE(l4 + 4) : 0,
    dport: ports ? f.readUInt16BE(l4 + 2) : 0,
    len: f.readUInt16BE(16),
  };
}

/** One's-complement sum an L4 checksum is verified with; 0 means valid. */
function l4Residual(f: Buffer, at: number, ip: number, proto: number, len: number): number {
  const pseudo = proto === 1 ? 0 : f.readUInt16BE(ip + 12) + f.readUInt16BE(ip + 14) + f.readUInt16BE(ip + 16) + f.readUInt16BE(ip + 18) + proto + len;
  return inetChecksum(f, at, at + len, pseudo);
}

function checksumsOk(f: Buffer): { ip: boolean; l4: boolean } {
  const p = v4(f);
  if (p === null) throw new Error('not IPv4');
  const ipOk = inetChecksum(f, p.ip, p.l4) === 0;
  const segLen = p.len - (p.l4 - p.ip);
  return { ip: ipOk, l4: l4Residual(f, p.l4, p.ip, p.proto, segLen) === 0 };
}

const IN1: Ip4 = [10, 0, 0, 5];
const IN2: Ip4 = [10, 0, 0, 6];
const WEB: Ip4 = [93, 184, 216, 34];
const DNS: Ip4 = [8, 8, 8, 8];
const ROUTER: Ip4 = [203, 0, 113, 1];
const PUB = '198.51.100.7'; // nat.conf's "public"
const PUB4: Ip4 = [198, 51, 100, 7];

let ipId = 1;
function frame(src: Ip4, dst: Ip4, proto: number, l4: Buffer): Buffer {
  return ethernet({ srcMac: macOf(src), dstMac: macOf(dst) }, ETH_IPV4, ipv4({ src, dst, proto, id: ipId++ }, l4));
}
const tcpF = (s: Ip4, sp: number, d: Ip4, dp: number, flags: number, payload = Buffer.alloc(0)) =>
  frame(s, d, 6, tcp({ sport: sp, dport: dp, seq: 1000, ack: 2000, flags }, payload, s, d));
const udpF = (s: Ip4, sp: number, d: Ip4, dp: number, payload: Buffer) => frame(s, d, 17, udp(sp, dp, payload, s, d));

function run(name: string, recs: Rec[], conf = 'nat.conf', bin = BIN): { out: Rec[]; log: string } {
  const dir = mkdtempSync(join(tmpdir(), `nat-${name}-`));
  writePcap(join(dir, 'in.pcap'), recs);
  execFileSync(bin, ['-c', conf, '-r', join(dir, 'in.pcap'), '-w', join(dir, 'out.pcap'), '-l', join(dir, 'log')], { cwd: DIR });
  return { out: readPcap(join(dir, 'out.pcap')), log: readFileSync(join(dir, 'log'), 'utf8') };
}

const at = (sec: number, data: Buffer): Rec => ({ sec: 1_700_000_000 + sec, usec: 0, data });

// Outbound traffic: two inside hosts using the same source port (so the pool
// must hand out different public ports), a DNS query and a ping.
const outbound = [
  at(0, tcpF(IN1, 25000, WEB, 80, TCP_SYN)),
  at(0, tcpF(IN2, 25000, WEB, 80, TCP_SYN)),
  at(1, udpF(IN1, 5353, DNS, 53, Buffer.from('query'))),
  at(1, frame(IN1, WEB, 1, icmpEcho(8, 0x1234, 1, Buffer.from('ping')))),
];

describe('nat', () => {
  let first: { out: Rec[]; log: string };
  beforeAll(() => {
    execFileSync('make', ['-s', '-C', DIR, 'all'], { stdio: 'pipe' });
    first = run('out', outbound);
  });

  it('rewrites inside sources to the public address with distinct public ports and valid checksums', () => {
    expect(first.out).toHaveLength(outbound.length);
    const views = first.out.map((r) => v4(r.data)!);
    for (const [i, p] of views.entries()) {
      expect(p.src).toBe(PUB);
      expect(p.dst).toBe(v4(outbound[i].data)!.dst);
      expect(p.sport).toBeGreaterThanOrEqual(20000);
      expect(p.sport).toBeLessThanOrEqual(29999);
      expect(checksumsOk(first.out[i].data)).toEqual({ ip: true, l4: true });
    }
    expect(views[0].sport).not.toBe(views[1].sport);
    expect(first.log).toMatch(/map tcp 10\.0\.0\.5:25000 -> 93\.184\.216\.34:80 as 198\.51\.100\.7:\d+/);
  });

  it('the checksum check fails on a packet rewritten without checksum repair', () => {
    const bad = Buffer.from(first.out[0].data);
    bad[26 + 3] ^= 0x01; // change the source address only
    expect(checksumsOk(bad)).toEqual({ ip: false, l4: false });
    const bad2 = Buffer.from(first.out[2].data);
    const l4 = v4(bad2)!.l4;
    bad2.writeUInt16BE(bad2.readUInt16BE(l4) ^ 0x0100, l4); // UDP source port
    expect(checksumsOk(bad2).l4).toBe(false);
  });

  it('translates replies back, passes ICMP errors about mapped flows, drops the unsolicited', () => {
    const v = first.out.map((r) => v4(r.data)!);
    const [p1, p2, pDns, pPing] = [v[0].sport, v[1].sport, v[2].sport, v[3].sport];
    // The quoted packet of a time-exceeded is what the router saw: the translated DNS query.
    const quoted = first.out[2].data.subarray(14, 14 + 20 + 8);
    const te = Buffer.concat([Buffer.from([11, 0, 0, 0, 0, 0, 0, 0]), quoted]);
    te.writeUInt16BE(inetChecksum(te), 2);
    const replies = [
      at(2, tcpF(WEB, 80, PUB4, p2, TCP_SYN | TCP_ACK)),
      at(2, tcpF(WEB, 80, PUB4, p1, TCP_SYN | TCP_ACK)),
      at(2, udpF(DNS, 53, PUB4, pDns, Buffer.from('answer'))),
      at(2, frame(WEB, PUB4, 1, icmpEcho(0, pPing, 1, Buffer.from('ping')))),
      at(2, frame(ROUTER, PUB4, 1, te)),
      at(3, tcpF(WEB, 80, PUB4, 29999 === p1 ? 29998 : 29999, TCP_SYN)), // no mapping
      at(3, tcpF(WEB, 443, [10, 0, 0, 5], 40000, TCP_SYN)), // unsolicited, addressed to the LAN
      // At t=45 the DNS mapping lives on (it saw a reply: udp-stream timeout, 120 s),
      // the ping mapping (icmp timeout, 30 s) has expired.
      at(45, udpF(DNS, 53, PUB4, pDns, Buffer.from('late'))),
      at(45, frame(WEB, PUB4, 1, icmpEcho(0, pPing, 2, Buffer.from('ping')))),
    ];
    const { out, log } = run('in', [...outbound, ...replies]);
    const back = out.slice(outbound.length).map((r) => ({ v: v4(r.data)!, ck: checksumsOk(r.data), data: r.data }));
    expect(back).toHaveLength(6);
    expect([back[0].v.dst, back[0].v.dport]).toEqual(['10.0.0.6', 25000]);
    expect([back[1].v.dst, back[1].v.dport]).toEqual(['10.0.0.5', 25000]);
    expect([back[2].v.dst, back[2].v.dport]).toEqual(['10.0.0.5', 5353]);
    expect([back[3].v.dst, back[3].v.sport]).toEqual(['10.0.0.5', 0x1234]); // echo id restored
    for (const b of back) expect(b.ck).toEqual({ ip: true, l4: true });
    // ICMP error: outer destination and the quoted source both translated back.
    const icmp = back[4];
    expect(icmp.v.dst).toBe('10.0.0.5');
    const inner = icmp.data.subarray(icmp.v.l4 + 8);
    expect([...inner.subarray(12, 16)].join('.')).toBe('10.0.0.5');
    expect(inner.readUInt16BE(20)).toBe(5353);
    expect(inetChecksum(inner, 0, 20)).toBe(0);
    expect(back[5].v.dport).toBe(5353); // the late DNS answer: stream timeout not reached
    expect(log).toMatch(/drop no-mapping tcp 93\.184\.216\.34:80 -> 198\.51\.100\.7:/);
    expect(log).toMatch(/drop unsolicited tcp 93\.184\.216\.34:443 -> 10\.0\.0\.5:40000/);
    expect(log).toMatch(/expire icmp 10\.0\.0\.5:4660 -> 93\.184\.216\.34:0/);
  });

  it('translates an ICMP error sent from inside about a mapped flow (outer source and quoted destination)', () => {
    const pDns = v4(first.out[2].data)!.sport;
    const answer = udpF(DNS, 53, PUB4, pDns, Buffer.from('answer'));
    const { out: o1 } = run('icmp-out-1', [...outbound, at(2, answer)]);
    // The inside host got the answer (translated back) and replies "port unreachable" quoting it.
    const delivered = o1[o1.length - 1].data;
    const un = Buffer.concat([Buffer.from([3, 3, 0, 0, 0, 0, 0, 0]), delivered.subarray(14, 14 + 28)]);
    un.writeUInt16BE(inetChecksum(un), 2);
    const err = frame(IN1, DNS, 1, un);
    const { out } = run('icmp-out-2', [...outbound, at(2, answer), at(3, err)]);
    expect(out).toHaveLength(outbound.length + 2);
    const o = out[out.length - 1].data;
    const v = v4(o)!;
    expect([v.src, v.dst]).toEqual([PUB, '8.8.8.8']);
    const inner = o.subarray(v.l4 + 8);
    expect([...inner.subarray(16, 20)].join('.')).toBe(PUB);
    expect(inner.readUInt16BE(22)).toBe(pDns);
    expect(inetChecksum(inner, 0, 20)).toBe(0);
    expect(checksumsOk(o)).toEqual({ ip: true, l4: true });
  });

  it('drops new flows when the port pool is exhausted and reuses a port once its mapping expires', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nat-pool-'));
    const conf = join(dir, 'small.conf');
    writeFileSync(conf, 'inside 10.0.0.0/24\npublic 198.51.100.7\nports 30000-30001\ntimeout udp 10\n');
    const q = (host: number, sport: number) => udpF([10, 0, 0, host], sport, DNS, 53, Buffer.from('q'));
    const recs = [at(0, q(1, 1111)), at(0, q(2, 2222)), at(1, q(3, 3333)), at(20, q(4, 4444))];
    const { out, log } = run('pool', recs, conf);
    const got = out.map((r) => v4(r.data)!);
    expect(got.map((p) => p.src)).toEqual([PUB, PUB, PUB]);
    expect(new Set(got.slice(0, 2).map((p) => p.sport))).toEqual(new Set([30000, 30001]));
    expect(got[2].sport === 30000 || got[2].sport === 30001).toBe(true);
    expect(log).toMatch(/drop pool-exhausted udp 10\.0\.0\.3:3333 -> 8\.8\.8\.8:53/);
    expect(log.match(/^\S+ expire udp /gm)).toHaveLength(2);
  });

  it.skipIf(!existsSync(SHARED))('keeps every checksum residual through translation on a real LAN trace', () => {
    const trace = join(SHARED, 'home-web-browsing.pcap');
    const dir = mkdtempSync(join(tmpdir(), 'nat-real-'));
    execFileSync(BIN, ['-c', 'nat.conf', '-r', trace, '-w', join(dir, 'out.pcap'), '-l', join(dir, 'log')], { cwd: DIR });
    const input = readPcap(trace);
    const out = readPcap(join(dir, 'out.pcap'));
    // Pair records by timestamp + IP id: drops remove records but keep the order.
    const key = (r: Rec) => `${r.sec}.${r.usec}/${r.data.length}/${r.data.length >= 20 ? r.data.readUInt16BE(18) : -1}`;
    const byKey = new Map<string, Rec[]>();
    for (const r of input) byKey.set(key(r), [...(byKey.get(key(r)) ?? []), r]);
    let translated = 0;
    for (const o of out) {
      const i = byKey.get(key(o))?.shift();
      expect(i).toBeDefined();
      const po = v4(o.data);
      const pi = v4(i!.data);
      if (po === null || pi === null || po.frag) continue;
      if (pi.src.startsWith('10.0.0.') && !pi.dst.startsWith('10.0.0.') && Number(pi.dst.split('.')[0]) < 224) {
        expect(po.src).toBe(PUB);
        translated++;
        // Offloaded checksums are wrong in the capture; an incremental update
        // must keep whatever residual the packet had.
        const seg = (p: V4) => p.len - (p.l4 - p.ip);
        const norm = (x: number) => (x === 0xffff ? 0 : x);
        expect(norm(l4Residual(o.data, po.l4, po.ip, po.proto, seg(po)))).toBe(norm(l4Residual(i!.data, pi.l4, pi.ip, pi.proto, seg(pi))));
        expect(inetChecksum(o.data, po.ip, po.l4)).toBe(inetChecksum(i!.data, pi.ip, pi.l4));
      } else {
        expect(o.data.equals(i!.data)).toBe(true);
      }
    }
    expect(translated).toBeGreaterThan(1000);
  });

  it('rejects a bad config line with file:line and exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nat-cfg-'));
    writeFileSync(join(dir, 'bad.conf'), 'inside 10.0.0.0/24\npublic 198.51.100.7\nports 30000-20000\n');
    const { status, stderr } = failingRun(BIN, ['-c', join(dir, 'bad.conf'), '-r', join(dir, 'none.pcap')], DIR);
    expect(status).toBe(2);
    expect(stderr).toContain('bad.conf:3');
  });
});
