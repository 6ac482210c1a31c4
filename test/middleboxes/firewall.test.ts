// Behaviour of middleboxes/firewall: first-match rules, keep-state return
// traffic, the TCP state machine in the log, related ICMP, expiry, per-rule
// counters; a rule set without "keep state" shows the checks can fail.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ETH_IPV4, ETH_IPV6, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, ethernet, icmpEcho, inetChecksum, ipv4, ipv6, macOf, tcp, udp, type Ip4 } from '../../traces/gen/packets.js';
import { failingRun, readPcap, writePcap, type Rec } from './pcap-io.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = join(ROOT, 'middleboxes/firewall');
const BIN = join(DIR, 'build/firewall');
// Shared real traces; the tests that read them are skipped only when the folder is absent.
const SHARED = join(ROOT, '../shared/traces');


const RULES = `
policy block
pass  tcp from 10.1.0.0/16 to any port 80 keep state
block tcp from any to any port 23
pass  udp from 10.1.0.0/16 to any port 53 keep state
pass  icmp from 10.1.0.0/16 to any keep state
pass  tcp from any to 10.1.0.25 port 25
timeout tcp-time-wait 5
timeout udp 10
timeout udp-stream 20
`;
const IN: Ip4 = [10, 1, 0, 5];
const WEB: Ip4 = [93, 184, 216, 34];
const DNS: Ip4 = [9, 9, 9, 9];
const EVIL: Ip4 = [203, 0, 113, 66];
const ROUTER: Ip4 = [198, 51, 100, 1];

let ipId = 1;
function frame(src: Ip4, dst: Ip4, proto: number, l4: Buffer): Buffer {
  return ethernet({ srcMac: macOf(src), dstMac: macOf(dst) }, ETH_IPV4, ipv4({ src, dst, proto, id: ipId++ }, l4));
}
const tcpF = (s: Ip4, sp: number, d: Ip4, dp: number, flags: number, payload = Buffer.alloc(0)) =>
  frame(s, d, 6, tcp({ sport: sp, dport: dp, seq: 1, ack: 1, flags }, payload, s, d));
const udpF = (s: Ip4, sp: number, d: Ip4, dp: number, payload: Buffer) => frame(s, d, 17, udp(sp, dp, payload, s, d));
const at = (sec: number, data: Buffer): Rec => ({ sec: 1_700_000_000 + sec, usec: 0, data });

function run(name: string, recs: Rec[], rules = RULES): { passed: Set<number>; out: Rec[]; log: string } {
  const dir = mkdtempSync(join(tmpdir(), `fw-${name}-`));
  writeFileSync(join(dir, 'fw.conf'), rules);
  writePcap(join(dir, 'in.pcap'), recs);
  execFileSync(BIN, ['-c', join(dir, 'fw.conf'), '-r', join(dir, 'in.pcap'), '-w', join(dir, 'out.pcap'), '-l', join(dir, 'log')], { cwd: DIR });
  const out = readPcap(join(dir, 'out.pcap'));
  return { out, passed: new Set(out.map((r) => r.data.readUInt16BE(18))), log: readFileSync(join(dir, 'log'), 'utf8') };
}
const idOf = (f: Buffer) => f.readUInt16BE(18);

// An allowed HTTP connection with its whole lifecycle, plus traffic the rules deny.
const http = {
  syn: tcpF(IN, 40000, WEB, 80, TCP_SYN),
  synack: tcpF(WEB, 80, IN, 40000, TCP_SYN | TCP_ACK),
  ack: tcpF(IN, 40000, WEB, 80, TCP_ACK),
  data: tcpF(WEB, 80, IN, 40000, TCP_ACK | TCP_PSH, Buffer.from('HTTP/1.1 200 OK')),
  fin1: tcpF(IN, 40000, WEB, 80, TCP_FIN | TCP_ACK),
  ack1: tcpF(WEB, 80, IN, 40000, TCP_ACK),
  fin2: tcpF(WEB, 80, IN, 40000, TCP_FIN | TCP_ACK),
  last: tcpF(IN, 40000, WEB, 80, TCP_ACK),
};
const denied = {
  inboundSyn: tcpF(EVIL, 5555, IN, 80, TCP_SYN), // no rule: policy block
  telnet: tcpF(IN, 40001, WEB, 23, TCP_SYN), // rule 2
  midstream: tcpF(IN, 40002, WEB, 80, TCP_ACK), // keep-state rule needs a SYN
  fakeDnsReply: udpF(DNS, 5353, IN, 3000, Buffer.from('spoof')), // wrong source port: no state
  lateAfterClose: tcpF(WEB, 80, IN, 40000, TCP_ACK), // after TIME_WAIT expired
};
const dns = { q: udpF(IN, 3000, DNS, 53, Buffer.from('q')), a: udpF(DNS, 53, IN, 3000, Buffer.from('a')) };
const ping = { req: frame(IN, WEB, 1, icmpEcho(8, 77, 1, Buffer.alloc(8))), rep: frame(WEB, IN, 1, icmpEcho(0, 77, 1, Buffer.alloc(8))) };
/** A time-exceeded quoting the DNS query: related to its state. */
function timeExceeded(quoted: Buffer): Buffer {
  const m = Buffer.concat([Buffer.from([11, 0, 0, 0, 0, 0, 0, 0]), quoted.subarray(14, 14 + 28)]);
  m.writeUInt16BE(inetChecksum(m), 2);
  return frame(ROUTER, IN, 1, m);
}
const related = timeExceeded(dns.q);
const unrelated = timeExceeded(udpF(IN, 3999, DNS, 53, Buffer.from('never sent')));
const stateless = tcpF(EVIL, 6000, [10, 1, 0, 25], 25, TCP_SYN); // pass rule without keep state

const trace: Rec[] = [
  at(0, http.syn), at(0, http.synack), at(0, http.ack), at(1, http.data),
  at(0, denied.inboundSyn), at(0, denied.telnet), at(0, denied.midstream),
  at(1, dns.q), at(1, dns.a), at(1, denied.fakeDnsReply), at(1, related), at(1, unrelated),
  at(1, ping.req), at(1, ping.rep), at(1, stateless),
  at(2, http.fin1), at(2, http.ack1), at(2, http.fin2), at(2, http.last),
  at(10, denied.lateAfterClose), // TIME_WAIT timeout is 5 s
];

describe('firewall', () => {
  let r: ReturnType<typeof run>;
  beforeAll(() => {
    execFileSync('make', ['-s', '-C', DIR, 'all'], { stdio: 'pipe' });
    r = run('main', trace);
  });

  it('passes allowed connections and their return traffic, unchanged', () => {
    for (const f of [...Object.values(http), dns.q, dns.a, ping.req, ping.rep, related, stateless]) expect(r.passed.has(idOf(f))).toBe(true);
    const inputs = new Map(trace.map((t) => [idOf(t.data), t.data]));
    for (const o of r.out) expect(o.data.equals(inputs.get(idOf(o.data))!)).toBe(true);
  });

  it('drops what the rules deny, unsolicited inbound and mid-stream packets without state', () => {
    for (const f of [...Object.values(denied), unrelated]) expect(r.passed.has(idOf(f))).toBe(false);
    expect(r.out).toHaveLength(trace.length - Object.keys(denied).length - 1);
    expect(r.log).toMatch(/deny tcp 10\.1\.0\.5:40001 -> 93\.184\.216\.34:23 rule=2 line=4/);
    expect(r.log).toMatch(/deny tcp 203\.0\.113\.66:5555 -> 10\.1\.0\.5:80 policy/);
  });

  it('walks the TCP state machine and expires the closed connection', () => {
    const states = [...r.log.matchAll(/state tcp 10\.1\.0\.5:40000 -> 93\.184\.216\.34:80 (\S+)/g)].map((m) => m[1]);
    expect(states).toEqual(['new', 'SYN_SENT>SYN_RECV', 'SYN_RECV>ESTABLISHED', 'ESTABLISHED>FIN_WAIT', 'FIN_WAIT>CLOSE_WAIT', 'CLOSE_WAIT>TIME_WAIT']);
    expect(r.log).toMatch(/expire tcp 10\.1\.0\.5:40000 -> 93\.184\.216\.34:80 TIME_WAIT rule=1 pkts=4\/4/);
    expect(r.log).toMatch(/state udp 10\.1\.0\.5:3000 -> 9\.9\.9\.9:53 UDP_UNREPLIED>UDP_REPLIED/);
  });

  it('counts hits per rule', () => {
    const hits = Object.fromEntries([...r.log.matchAll(/rule (\d+) line=\d+ \S+ hits=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    // Rule 1 saw the HTTP SYN; the mid-stream ACK skipped it (flags S/SA) and hit nothing.
    expect(hits).toEqual({ '1': 1, '2': 1, '3': 1, '4': 1, '5': 1 });
  });

  it('without keep state the return traffic is dropped (the checks above can fail)', () => {
    const noState = run('nostate', trace, RULES.replace(/ keep state/g, ''));
    expect(noState.passed.has(idOf(http.syn))).toBe(true);
    expect(noState.passed.has(idOf(http.synack))).toBe(false);
    expect(noState.passed.has(idOf(dns.a))).toBe(false);
    expect(noState.passed.has(idOf(related))).toBe(false);
  });

  it('drops new connections when the state table is full (max-states)', () => {
    const res = run('limit', [at(0, http.syn), at(0, tcpF(IN, 40005, WEB, 80, TCP_SYN)), at(0, http.synack)], `${RULES}\nmax-states 1\n`);
    expect([...res.passed].length).toBe(2);
    expect(res.log).toMatch(/deny tcp 10\.1\.0\.5:40005 -> 93\.184\.216\.34:80 rule=1/);
  });

  it('drops segments outside the TCP sequence window (pf), passes them with the check off', () => {
    const seg = (s: Ip4, sp: number, d: Ip4, dp: number, seq: number, ack: number, flags: number, payload = Buffer.alloc(0)) =>
      frame(s, d, 6, tcp({ sport: sp, dport: dp, seq, ack, flags, window: 1000 }, payload, s, d));
    const c = 41000;
    const ok = [
      seg(IN, c, WEB, 80, 1000, 0, TCP_SYN),
      seg(WEB, 80, IN, c, 5000, 1001, TCP_SYN | TCP_ACK),
      seg(IN, c, WEB, 80, 1001, 5001, TCP_ACK, Buffer.from('GET /')),
      seg(WEB, 80, IN, c, 5001, 1006, TCP_ACK | TCP_PSH, Buffer.alloc(500)),
    ];
    const bad = [
      seg(WEB, 80, IN, c, 5001 + 900_000, 1006, TCP_ACK | TCP_PSH, Buffer.alloc(10)), // far beyond the 1000-byte window
      seg(WEB, 80, IN, c, 5501, 1006 + 500_000, TCP_ACK), // acknowledges data never sent
    ];
    const recs = [...ok, ...bad].map((f, i) => at(i, f));
    const on = run('win-on', recs);
    expect(on.out.map((o) => idOf(o.data))).toEqual(ok.map(idOf));
    expect(on.log).toMatch(/deny tcp 10\.1\.0\.5:41000 -> 93\.184\.216\.34:80 bad-window reply seq=905001/);
    const off = run('win-off', recs, `${RULES}\ntcp-window-check off\n`);
    expect(off.out.map((o) => idOf(o.data))).toEqual([...ok, ...bad].map(idOf));
  });

  it('filters IPv6 with v6 prefixes and keeps state for it', () => {
    const a = (s: string) => Buffer.from(s.replace(/:/g, ''), 'hex');
    const inside = a('2001:0db8:0000:0001:0000:0000:0000:0005');
    const remote = a('2001:0470:0000:0000:0000:0000:0000:0080');
    const mac = Buffer.from([2, 0, 0, 0, 0, 6]);
    const v6 = (src: Buffer, dst: Buffer, sp: number, dp: number, flags: number, tag: number) =>
      ethernet({ srcMac: mac, dstMac: mac }, ETH_IPV6, ipv6(src, dst, 6, tcp({ sport: sp, dport: dp, seq: tag, ack: 1, flags }, Buffer.alloc(0), src, dst)));
    const rules = 'policy block\npass tcp from 2001:db8::/32 to any port 443 keep state\n';
    const recs = [
      at(0, v6(inside, remote, 41000, 443, TCP_SYN, 1)),
      at(0, v6(remote, inside, 443, 41000, TCP_SYN | TCP_ACK, 2)),
      at(0, v6(remote, inside, 443, 41001, TCP_SYN | TCP_ACK, 3)), // no state: dropped
      at(0, v6(inside, remote, 41002, 80, TCP_SYN, 4)), // port 80 not allowed
    ];
    const res = run('v6', recs, rules);
    const seqs = res.out.map((o) => o.data.readUInt32BE(14 + 40 + 4));
    expect(seqs).toEqual([1, 2]);
    expect(res.log).toMatch(/state tcp \[2001:db8:0:1::5\]:41000 -> \[2001:470::80\]:443 SYN_SENT>SYN_RECV/);
  });

  it.skipIf(!existsSync(SHARED))('passes the published web server and blocks the FTP brute force on real traces (bundled rules)', () => {
    const xss = join(SHARED, 'cicids2017-webattack-xss.pcap');
    const ftp = join(SHARED, 'ftp-bruteforce-1400conns.pcap');
    const dir = mkdtempSync(join(tmpdir(), 'fw-real-'));
    const go = (trace: string, name: string) => {
      execFileSync(BIN, ['-c', 'firewall.conf', '-r', trace, '-w', join(dir, `${name}.pcap`), '-l', join(dir, `${name}.log`)], { cwd: DIR });
      return { n: readPcap(join(dir, `${name}.pcap`)).length, log: readFileSync(join(dir, `${name}.log`), 'utf8') };
    };
    const a = go(xss, 'xss');
    expect(a.n).toBe(readPcap(xss).length);
    expect(a.log.match(/ new SYN_SENT rule=1$/gm)).toHaveLength(661);
    const b = go(ftp, 'ftp');
    expect(b.n).toBe(0);
    expect(b.log).toMatch(/deny tcp \S+ -> 10\.121\.70\.151:21 rule=2 line=\d+/);
  });

  it('rejects a bad config line with file:line and exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-cfg-'));
    writeFileSync(join(dir, 'bad.conf'), 'policy block\npass tcp from 10.0.0.0/33 to any\n');
    const { status, stderr } = failingRun(BIN, ['-c', join(dir, 'bad.conf'), '-r', join(dir, 'none.pcap')], DIR);
    expect(status).toBe(2);
    expect(stderr).toContain('bad.conf:2');
    expect(stderr).toMatch(/prefix length/);
  });
});
