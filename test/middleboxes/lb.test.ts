// Behaviour of middleboxes/lb: weighted round-robin and least-connections
// spread, flow affinity, DNAT/SNAT with checksums verified here in TypeScript,
// closes and idle expiry; plus balancing on a real trace with the bundled config.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ETH_IPV4, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, ethernet, inetChecksum, ipv4, macOf, tcp, udp, type Ip4 } from '../../traces/gen/packets.js';
import { failingRun, readPcap, writePcap, type Rec } from './pcap-io.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = join(ROOT, 'middleboxes/lb');
const BIN = join(DIR, 'build/lb');
// Shared real traces; the tests that read them are skipped only when the folder is absent.
const SHARED = join(ROOT, '../shared/traces');


interface V4 { ip: number; l4: number; proto: number; src: string; dst: string; sport: number; dport: number; len: number; id: number }
function v4(f: Buffer): V4 | null {
  if (f.length < 34 || f.readUInt16BE(12) !== ETH_IPV4 || f[14] >> 4 !== 4) return null;
  const l4 = 14 + (f[14] & 15) * 4;
  const proto = f[23];
  const ports = (proto === 6 || proto === 17) && f.length >= l4 + 4 && (f.readUInt16BE(20) & 0x1fff) === 0;
  return {
    ip: 14, l4, proto, id: f.readUInt16BE(18),
    src: [...f.subarray(26, 30)].join('.'),
    dst: [...f.subarray(30, 34)].join('.'),
    sport: ports ? f.readUInt16BE(l4) : 0,
    dport: ports ? f.readUInt16BE(l4 + 2) : 0,
    len: f.readUInt16BE(16),
  };
}

/** L4 verification sum over the IPv4 pseudo-header (0 = valid checksum). */
function l4Residual(f: Buffer, p: V4): number {
  const seg = p.len - (p.l4 - p.ip);
  const pseudo = f.readUInt16BE(26) + f.readUInt16BE(28) + f.readUInt16BE(30) + f.readUInt16BE(32) + p.proto + seg;
  return inetChecksum(f, p.l4, p.l4 + seg, pseudo);
}
const checksumsOk = (f: Buffer) => {
  const p = v4(f)!;
  return inetChecksum(f, p.ip, p.l4) === 0 && l4Residual(f, p) === 0;
};

const CONF = `
global
    stats-interval 10s
    sweep-interval 1s
    hash-size 64
defaults
    timeout connect 5s
    timeout client 20s
    timeout client-fin 2s
    timeout udp 10s
listen rr
    bind 192.0.2.10:80
    mode tcp
    balance roundrobin
    server a 10.9.0.1:8080 weight 2
    server b 10.9.0.2:8080 weight 1
listen lc
    bind 192.0.2.20:80
    mode tcp
    balance leastconn
    server c 10.9.0.3:80
    server d 10.9.0.4:80
listen dns
    bind 192.0.2.53:53
    mode udp
    balance roundrobin
    server r1 10.9.0.53:53
    server r2 10.9.0.54:53
`;
const VIP_RR: Ip4 = [192, 0, 2, 10];
const VIP_LC: Ip4 = [192, 0, 2, 20];
const VIP_DNS: Ip4 = [192, 0, 2, 53];
const client = (n: number): Ip4 => [198, 18, 0, n];
const ip4 = (s: string): Ip4 => s.split('.').map(Number) as unknown as Ip4;

let ipId = 1;
function frame(src: Ip4, dst: Ip4, proto: number, l4: Buffer): Buffer {
  return ethernet({ srcMac: macOf(src), dstMac: macOf(dst) }, ETH_IPV4, ipv4({ src, dst, proto, id: ipId++ }, l4));
}
const tcpF = (s: Ip4, sp: number, d: Ip4, dp: number, flags: number, payload = Buffer.alloc(0)) =>
  frame(s, d, 6, tcp({ sport: sp, dport: dp, seq: 7, ack: 9, flags }, payload, s, d));
const udpF = (s: Ip4, sp: number, d: Ip4, dp: number, payload: Buffer) => frame(s, d, 17, udp(sp, dp, payload, s, d));
const at = (sec: number, data: Buffer): Rec => ({ sec: 1_700_000_000 + Math.floor(sec), usec: Math.round((sec % 1) * 1e6), data });

function run(name: string, recs: Rec[], conf = CONF): { out: Rec[]; log: string } {
  const dir = mkdtempSync(join(tmpdir(), `lb-${name}-`));
  writeFileSync(join(dir, 'lb.conf'), conf);
  writePcap(join(dir, 'in.pcap'), recs);
  execFileSync(BIN, ['-c', join(dir, 'lb.conf'), '-r', join(dir, 'in.pcap'), '-w', join(dir, 'out.pcap'), '-l', join(dir, 'log')], { cwd: DIR });
  return { out: readPcap(join(dir, 'out.pcap')), log: readFileSync(join(dir, 'log'), 'utf8') };
}

/** Output packet for the input frame with this IP id. */
function outFor(out: Rec[], inFrame: Buffer): V4 | undefined {
  const id = v4(inFrame)!.id;
  return out.map((r) => v4(r.data)!).find((p) => p !== null && p.id === id);
}

/** Least-connections scenario: 4 connections, then both on one server are reset, then 2 new ones. */
function leastconnTrace(): { recs: Rec[]; syns: Buffer[]; rsts: (server: string, firstOut: Rec[]) => Rec[] } {
  const syns = [1, 2, 3, 4, 5, 6].map((n) => tcpF(client(n), 40000 + n, VIP_LC, 80, TCP_SYN));
  return {
    syns,
    recs: syns.slice(0, 4).map((s, i) => at(i * 0.1, s)),
    rsts: (server, firstOut) =>
      syns.slice(0, 4).flatMap((s, i) => (outFor(firstOut, s)!.dst === server ? [at(1 + i * 0.1, tcpF(client(i + 1), 40001 + i, VIP_LC, 80, TCP_RST | TCP_ACK))] : [])),
  };
}

describe('lb', () => {
  beforeAll(() => {
    execFileSync('make', ['-s', '-C', DIR, 'all'], { stdio: 'pipe' });
  });

  it('spreads new flows by weight (2:1), keeps each flow on its server, rewrites both ways with valid checksums', () => {
    const syns = [1, 2, 3, 4, 5, 6].map((n) => tcpF(client(n), 50000 + n, VIP_RR, 80, TCP_SYN));
    const first = run('rr1', syns.map((s, i) => at(i * 0.01, s)));
    const chosen = syns.map((s) => outFor(first.out, s)!.dst);
    const count = (ip: string) => chosen.filter((d) => d === ip).length;
    expect(count('10.9.0.1')).toBe(4);
    expect(count('10.9.0.2')).toBe(2);
    // Second run: the same SYNs, then data from each client and replies from its server.
    const more: Rec[] = [];
    const data: Buffer[] = [];
    const replies: Buffer[] = [];
    [1, 2, 3, 4, 5, 6].forEach((n, i) => {
      const d = tcpF(client(n), 50000 + n, VIP_RR, 80, TCP_ACK | TCP_PSH, Buffer.from(`GET /${n}`));
      const r = tcpF(ip4(chosen[i]), 8080, client(n), 50000 + n, TCP_ACK | TCP_PSH, Buffer.from(`200 ${n}`));
      data.push(d);
      replies.push(r);
      more.push(at(1 + i * 0.01, d), at(2 + i * 0.01, r));
    });
    const { out, log } = run('rr2', [...syns.map((s, i) => at(i * 0.01, s)), ...more]);
    expect(out).toHaveLength(18);
    data.forEach((d, i) => {
      const o = outFor(out, d)!;
      expect([o.dst, o.dport]).toEqual([chosen[i], 8080]);
    });
    replies.forEach((r) => {
      const o = outFor(out, r)!;
      expect([o.src, o.sport]).toEqual(['192.0.2.10', 80]);
    });
    for (const r of out) expect(checksumsOk(r.data)).toBe(true);
    expect(log).toMatch(/new svc=rr client=198\.18\.0\.1:50001 server=a\(10\.9\.0\.1:8080\)/);
  });

  it('the checksum check fails on a rewrite without checksum repair', () => {
    const f = Buffer.from(tcpF(client(1), 1234, VIP_RR, 80, TCP_SYN));
    expect(checksumsOk(f)).toBe(true);
    f[33] = 99; // destination address changed, checksums not
    expect(checksumsOk(f)).toBe(false);
  });

  it('least-connections sends new flows to the server whose connections closed; round-robin would not', () => {
    const lc = leastconnTrace();
    const first = run('lc1', lc.recs);
    const firstDst = lc.syns.slice(0, 4).map((s) => outFor(first.out, s)!.dst);
    expect(new Set(firstDst).size).toBe(2);
    const emptied = firstDst[0];
    const trace = [...lc.recs, ...lc.rsts(emptied, first.out), at(2, lc.syns[4]), at(2.1, lc.syns[5])];
    const later = (r: { out: Rec[] }) => [outFor(r.out, lc.syns[4])!.dst, outFor(r.out, lc.syns[5])!.dst];
    const lcRun = run('lc2', trace);
    expect(later(lcRun)).toEqual([emptied, emptied]);
    expect(lcRun.log).toMatch(/close svc=lc client=198\.18\.0\.1:40001 .*reason=rst/);
    // Deliberately broken: the same traffic under round-robin fails the check.
    const rrRun = run('lc-as-rr', trace, CONF.replace('balance leastconn', 'balance roundrobin'));
    expect(later(rrRun)).not.toEqual([emptied, emptied]);
  });

  it('drops mid-flow TCP without a connection; closes on FINs and on idle timeout', () => {
    const c = client(9);
    const stray = tcpF(client(10), 1111, VIP_RR, 80, TCP_ACK);
    const q1 = udpF(c, 3333, VIP_DNS, 53, Buffer.from('q1'));
    const q2 = udpF(c, 3333, VIP_DNS, 53, Buffer.from('q2'));
    const trace = [
      at(0, stray),
      at(0, tcpF(c, 2222, VIP_RR, 80, TCP_SYN)),
      at(0.1, tcpF(c, 2222, VIP_RR, 80, TCP_FIN | TCP_ACK)),
      at(0.2, tcpF(VIP_RR, 80, c, 2222, TCP_FIN | TCP_ACK)), // reply sourced from the VIP (replayed trace)
      at(0.3, q1),
      at(5, udpF(client(11), 1, [203, 0, 113, 9], 53, Buffer.from('x'))), // not for a VIP; the clock moves, the FIN'd entry expires
      at(20, q2), // 19.7 s after q1 > udp timeout 10 s
    ];
    const { out, log } = run('close', trace);
    expect(outFor(out, stray)).toBeUndefined();
    expect(log).toMatch(/fin svc=rr client=198\.18\.0\.9:2222/);
    expect(log).toMatch(/close svc=rr client=198\.18\.0\.9:2222 .*reason=closed/);
    expect(log).toMatch(/close svc=dns client=198\.18\.0\.9:3333 .*reason=timeout/);
    // After expiry the next query is a new flow, scheduled afresh (round-robin moves on).
    expect(outFor(out, q1)!.dst).not.toBe(outFor(out, q2)!.dst);
    expect(log.match(/^\S+ new svc=dns client=198\.18\.0\.9:3333/gm)).toHaveLength(2);
  });

  it.skipIf(!existsSync(SHARED))('balances the CIC-IDS2017 web server by weight 3:2:1 with flow affinity (bundled lb.conf)', () => {
    const trace = join(SHARED, 'cicids2017-webattack-xss.pcap');
    const dir = mkdtempSync(join(tmpdir(), 'lb-real-'));
    execFileSync(BIN, ['-c', 'lb.conf', '-r', trace, '-w', join(dir, 'out.pcap'), '-l', join(dir, 'log')], { cwd: DIR });
    const input = readPcap(trace);
    const out = readPcap(join(dir, 'out.pcap'));
    expect(out).toHaveLength(input.length);
    const flowServer = new Map<number, string>();
    const synsPer = new Map<string, number>();
    out.forEach((o, k) => {
      const p = v4(o.data)!;
      const q = v4(input[k].data)!;
      if (q.dst !== '192.168.10.50') return; // replies come from the VIP and pass unchanged
      expect(p.dport).toBe(8080);
      const prev = flowServer.get(q.sport);
      if (prev !== undefined && (input[k].data[q.l4 + 13] & TCP_SYN) === 0) expect(p.dst).toBe(prev);
      flowServer.set(q.sport, p.dst);
      if (input[k].data[q.l4 + 13] & TCP_SYN) synsPer.set(p.dst, (synsPer.get(p.dst) ?? 0) + 1);
      // Incremental update keeps each checksum's residual (valid stays valid).
      expect(l4Residual(o.data, p)).toBe(l4Residual(input[k].data, q));
      expect(inetChecksum(o.data, p.ip, p.l4)).toBe(inetChecksum(input[k].data, q.ip, q.l4));
    });
    const total = [...synsPer.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(661);
    const weights: Record<string, number> = { '10.50.0.11': 3, '10.50.0.12': 2, '10.50.0.13': 1 };
    for (const [ip, w] of Object.entries(weights)) expect(Math.abs((synsPer.get(ip) ?? 0) - (total * w) / 6)).toBeLessThanOrEqual(1);
  });

  it('rejects a bad config line with file:line and exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-cfg-'));
    writeFileSync(join(dir, 'bad.conf'), 'listen web\n    bind 192.0.2.1:80\n    balance fastest\n');
    const { status, stderr } = failingRun(BIN, ['-c', join(dir, 'bad.conf'), '-r', join(dir, 'none.pcap')], DIR);
    expect(status).toBe(2);
    expect(stderr).toContain('bad.conf:3');
    expect(stderr).toMatch(/balance algorithm 'fastest'/);
  });
});
