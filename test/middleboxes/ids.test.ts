// Behaviour of middleboxes/ids (the Snort-like IDS): rule-parser errors with
// file:line:column, content matching on crafted packets (segment boundaries,
// nocase, offset/depth, distance/within, negated addresses and ports, flags,
// flow state, timeouts), sfPortscan-like events, and alerts on real traces
// whose expected counts are computed here from the raw packets.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MIDDLEBOXES_DIR,
  SHARED_TRACES_DIR,
  TH,
  ethernet,
  ipv4,
  readPcap,
  run,
  tcp,
  tempDir,
  udp,
  writePcap,
} from './helpers.js';

const DIR = join(MIDDLEBOXES_DIR, 'ids');
const BUNDLED_RULES = join(DIR, 'ids.rules');
const CFLAGS = ['-std=c11', '-D_DEFAULT_SOURCE', '-Wall', '-Wextra', '-Werror'];
let work = '';
let BIN = '';
let seq = 0;

// Private builds in a temporary folder: the data-driven suite may be running
// `make` in the middlebox folder at the same time.
beforeAll(async () => {
  work = tempDir('ids');
  BIN = join(work, 'ids');
  const manifest = JSON.parse(readFileSync(join(DIR, 'mbox.json'), 'utf8')) as { sources: string[]; cflags: string[] };
  const cc = await run('gcc', [...CFLAGS, ...manifest.cflags, '-O2', '-g', '-o', BIN, ...manifest.sources, '-lpcap'], { cwd: DIR, timeoutMs: 120_000 });
  expect(cc.code, cc.stderr).toBe(0);
}, 120_000);

// ---- running the IDS ------------------------------------------------------

interface IdsRun {
  code: number | null;
  alerts: string[];
  stderr: string;
  rulesPath: string;
}

const CLASSES = 'config classification: web-application-attack,Web Application Attack,1\n' +
  'config classification: attempted-recon,Attempted Information Leak,2\n';

function writeRules(text: string): string {
  const p = join(work, `r${++seq}.rules`);
  writeFileSync(p, text);
  return p;
}

async function runIds(rules: string | { path: string }, pcap: Buffer | string): Promise<IdsRun> {
  const rulesPath = typeof rules === 'string' ? writeRules(rules) : rules.path;
  let pcapPath: string;
  if (typeof pcap === 'string') pcapPath = pcap;
  else {
    pcapPath = join(work, `p${++seq}.pcap`);
    writeFileSync(pcapPath, pcap);
  }
  const log = join(work, `l${++seq}.log`);
  const r = await run(BIN, ['-c', rulesPath, '-r', pcapPath, '-l', log], { cwd: DIR, timeoutMs: 60_000 });
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  return { code: r.code, alerts: text.split('\n').filter((l) => l.length > 0), stderr: r.stderr, rulesPath };
}

/** sid of each alert line, in order. */
function sids(alerts: string[]): number[] {
  return alerts.map((l) => {
    const m = /\[\*\*\] \[(\d+):(\d+):(\d+)\]/.exec(l);
    if (!m) throw new Error(`not an alert_fast line: ${l}`);
    return Number(m[2]);
  });
}

// ---- crafted packets --------------------------------------------------------

interface Pkt { sec: number; usec: number; data: Buffer }
const T0 = 1_500_000_000; // 2017-07-14 02:40:00 UTC

function tcpPkt(t: number, src: string, dst: string, sport: number, dport: number, flags: number, s: number, a: number, payload = ''): Pkt {
  const ip = ipv4({ src, dst, proto: 6 }, tcp({ sport, dport, flags, seq: s, ack: a }, Buffer.from(payload, 'latin1')));
  return { sec: T0 + Math.floor(t), usec: Math.round((t % 1) * 1e6), data: ethernet(0x0800, ip) };
}

function udpPkt(t: number, src: string, dst: string, sport: number, dport: number, payload: string): Pkt {
  const ip = ipv4({ src, dst, proto: 17 }, udp(sport, dport, Buffer.from(payload, 'latin1')));
  return { sec: T0 + Math.floor(t), usec: 0, data: ethernet(0x0800, ip) };
}

function icmpPkt(t: number, src: string, dst: string, type: number, code: number, payload = ''): Pkt {
  const body = Buffer.concat([Buffer.from([type, code, 0, 0, 0, 1, 0, 1]), Buffer.from(payload, 'latin1')]);
  return { sec: T0 + Math.floor(t), usec: 0, data: ethernet(0x0800, ipv4({ src, dst, proto: 1 }, body)) };
}

const C = '10.0.0.1';
const S = '192.168.1.10';

/** A client→server TCP session: handshake, then the client segments in order. */
function session(segments: string[], opts: { start?: number; sport?: number; dport?: number; gapBefore?: number } = {}): Pkt[] {
  const t0 = opts.start ?? 0;
  const sport = opts.sport ?? 40000;
  const dport = opts.dport ?? 80;
  const out = [
    tcpPkt(t0, C, S, sport, dport, TH.SYN, 1000, 0),
    tcpPkt(t0 + 0.001, S, C, dport, sport, TH.SYN | TH.ACK, 5000, 1001),
    tcpPkt(t0 + 0.002, C, S, sport, dport, TH.ACK, 1001, 5001),
  ];
  let s = 1001;
  segments.forEach((p, i) => {
    const t = t0 + 0.01 * (i + 1) + (i > 0 && opts.gapBefore ? opts.gapBefore : 0);
    out.push(tcpPkt(t, C, S, sport, dport, TH.ACK | TH.PSH, s, 5001, p));
    s += p.length;
  });
  return out;
}

// ---- rule-parser errors -----------------------------------------------------

describe('ids rule parser errors name file:line:column and exit 2', () => {
  const ok = 'alert tcp any any -> any 80 (msg:"ok"; content:"x"; sid:1;)';
  // [rule file text, line, token the column must point at (first occurrence on that line), message fragment]
  const cases: [string, number, string, string][] = [
    ['alrt tcp any any -> any 80 (msg:"x"; sid:1;)', 1, 'alrt', 'unknown action'],
    ['alert tcpx any any -> any 80 (msg:"x"; sid:1;)', 1, 'tcpx', 'unknown protocol'],
    ['alert tcp 10.0.0.300 any -> any 80 (msg:"x"; sid:1;)', 1, '10.0.0.300', 'bad IP address'],
    ['alert tcp any any -> any 65536 (msg:"x"; sid:1;)', 1, '65536', 'port'],
    ['alert tcp any 2000:1000 -> any 80 (msg:"x"; sid:1;)', 1, '2000:1000', 'empty'],
    ['alert tcp $NOPE any -> any 80 (msg:"x"; sid:1;)', 1, '$NOPE', 'undefined variable'],
    ['alert tcp any any => any 80 (msg:"x"; sid:1;)', 1, '=>', 'bad direction'],
    ['alert tcp any any -> any 80 (msg:"x"; sid:1; bogus:3;)', 1, 'bogus', 'unknown rule option'],
    ['alert tcp any any -> any 80 (msg:"x"; nocase; content:"a"; sid:1;)', 1, 'nocase', 'must follow a content'],
    ['alert tcp any any -> any 80 (msg:"x"; content:"abcdef"; depth:3; sid:1;)', 1, '3;', 'shorter than the content'],
    ['alert tcp any any -> any 80 (msg:"x"; content:"a|4G|"; sid:1;)', 1, '4G', 'bad hex byte'],
    ['alert tcp any any -> any 80 (msg:"x"; content:"a"; classtype:nosuch; sid:1;)', 1, 'nosuch', 'unknown classtype'],
    ['alert tcp any any -> any 80 (msg:"x"; content:"a";)', 1, '(', 'no sid'],
    ['alert tcp any any -> any 80 (msg:"x"; flags:SQ; sid:1;)', 1, 'Q', 'unknown TCP flag'],
    ['alert tcp any any -> any 80 (msg:"x"; flow:to_server,sideways; sid:1;)', 1, 'sideways', 'unsupported flow keyword'],
    ['alert tcp any any -> any 80 (msg:"x"; content:"a"; offset:1; distance:2; sid:1;)', 1, 'distance', 'cannot be mixed'],
    ['alert tcp ![10.0.0.0/8,!10.1.0.0/16] any -> any 80 (msg:"x"; sid:1;)', 1, '[10.0.0.0/8', 'negated address list'],
    [`${ok}\n# comment\n\nalert udp any any -> any 53 (msg:"dup"; sid:1;)`, 4, '1;)', 'duplicate sid'],
    [`ipvar HOME_NET [10.0.0.0/8]\n${ok.replace('sid:1', 'sid:2')}\nalert tcp $HOME_NET any -> any [80,x] (msg:"x"; sid:3;)`, 3, 'x]', 'expected a port'],
    ['config tcp_timeout: -5', 1, '-5', 'integer'],
    ['alert tcp any any -> any 80 (msg:"x"; content:"a"; detection_filter:track by_host, count 5, seconds 60; sid:1;)', 1, 'by_host', 'by_src or by_dst'],
    ['alert tcp any any -> any 80 (msg:"x; sid:1;)', 1, '"x', 'unterminated'],
  ];
  for (const [text, line, token, msg] of cases) {
    it(`${msg}: ${text.split('\n')[line - 1]}`, async () => {
      const r = await runIds(text + '\n', writePcap([]));
      const col = text.split('\n')[line - 1].indexOf(token) + 1;
      expect(col).toBeGreaterThan(0);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${r.rulesPath}:${line}:${col}: `);
      expect(r.stderr).toContain(msg);
    });
  }

  it('a valid file is accepted (control: the same harness does not always fail)', async () => {
    const r = await runIds(ok + '\n', writePcap([]));
    expect(r.code, r.stderr).toBe(0);
  });

  it('the bundled rule set loads, with several hundred rules', async () => {
    const r = await runIds({ path: BUNDLED_RULES }, writePcap([]));
    expect(r.code, r.stderr).toBe(0);
    const n = Number(/rules (\d+) in \d+ port groups/.exec(r.stderr)?.[1]);
    const ruleLines = readFileSync(BUNDLED_RULES, 'utf8').split('\n').filter((l) => /^(alert|log|pass) /.test(l)).length;
    expect(n).toBe(ruleLines);
    expect(n).toBeGreaterThanOrEqual(300);
  });
});

// ---- matching on crafted packets ----------------------------------------------

describe('ids content matching on crafted packets', () => {
  const xss = CLASSES + 'alert tcp any any -> any 80 (msg:"XSS"; flow:to_server,established; content:"%3Cscript%3E"; nocase; classtype:web-application-attack; sid:100; rev:2;)\n';

  it('prints Snort alert_fast lines (UTC timestamp from the packet, classification, priority)', async () => {
    const r = await runIds(xss, writePcap(session(['GET /?q=%3Cscript%3Ealert(1) HTTP/1.1\r\n\r\n'])));
    expect(r.code, r.stderr).toBe(0);
    // T0 + 0.01 s = 2017-07-14 02:40:00.010000 UTC
    expect(r.alerts).toEqual([
      '07/14-02:40:00.010000  [**] [1:100:2] XSS [**] [Classification: Web Application Attack] [Priority: 1] {TCP} 10.0.0.1:40000 -> 192.168.1.10:80',
    ]);
  });

  it('detects content split across two TCP segments (stream reassembly), once', async () => {
    const r = await runIds(xss, writePcap(session(['GET /?q=%3Cscr', 'ipt%3E HTTP/1.1\r\n', 'Host: x\r\n\r\n'])));
    expect(r.alerts.length).toBe(1);
    expect(r.alerts[0]).toMatch(/^07\/14-02:40:00\.020000 /); // the second segment completes the match
  });

  it('control: a pattern absent from the stream raises nothing', async () => {
    const r = await runIds(xss, writePcap(session(['GET /?q=%3Cscr', 'ibble%3E HTTP/1.1\r\n'])));
    expect(r.alerts).toEqual([]);
  });

  it('an out-of-order (gapped) segment is not reassembled: a split pattern is missed', async () => {
    const pk = session(['GET /?q=%3Cscr', 'ipt%3E HTTP/1.1\r\n']);
    // move the second data segment's sequence number 100 bytes ahead: a hole
    const last = pk[pk.length - 1];
    last.data.writeUInt32BE(last.data.readUInt32BE(14 + 20 + 4) + 100, 14 + 20 + 4);
    const r = await runIds(xss, writePcap(pk));
    expect(r.alerts).toEqual([]);
  });

  it('nocase matches any case; without nocase the case must agree', async () => {
    const rules = 'alert tcp any any -> any 80 (msg:"nc"; content:"EvIl"; nocase; sid:1;)\n' +
      'alert tcp any any -> any 80 (msg:"cs"; content:"EvIl"; sid:2;)\n';
    expect(sids((await runIds(rules, writePcap(session(['xx evil xx'])))).alerts)).toEqual([1]);
    expect(sids((await runIds(rules, writePcap(session(['xx EvIl xx'])))).alerts)).toEqual([1, 2]);
  });

  it('offset and depth bound where a content may start and end', async () => {
    const rules = 'alert udp any any -> any 9999 (msg:"od"; content:"abc"; offset:4; depth:3; sid:7;)\n';
    const hit = async (payload: string) => (await runIds(rules, writePcap([udpPkt(0, C, S, 1234, 9999, payload)]))).alerts.length;
    expect(await hit('0123abc')).toBe(1);
    expect(await hit('0123abcXYZ')).toBe(1);
    expect(await hit('01234abc')).toBe(0); // starts after offset+depth-len
    expect(await hit('0abc')).toBe(0); // before offset
  });

  it('distance/within are relative to the previous match, with backtracking', async () => {
    const rules = 'alert udp any any -> any 9999 (msg:"dw"; content:"USER"; content:"root"; distance:1; within:5; sid:8;)\n';
    const hit = async (payload: string) => (await runIds(rules, writePcap([udpPkt(0, C, S, 1234, 9999, payload)]))).alerts.length;
    expect(await hit('USER root')).toBe(1);
    expect(await hit('USERroot')).toBe(0); // distance 1
    expect(await hit('USER      root')).toBe(0); // outside within
    expect(await hit('USER xx USER root')).toBe(1); // first USER fails, second succeeds
  });

  it('negated content: the rule matches only when the bytes are absent', async () => {
    const rules = 'alert udp any any -> any 9999 (msg:"neg"; content:"GET "; depth:4; content:!"HTTP/1."; sid:9;)\n';
    const hit = async (payload: string) => (await runIds(rules, writePcap([udpPkt(0, C, S, 1234, 9999, payload)]))).alerts.length;
    expect(await hit('GET /x')).toBe(1);
    expect(await hit('GET /x HTTP/1.1')).toBe(0);
  });

  it('negated addresses, address lists with exceptions, variables', async () => {
    const rules = 'ipvar HOME_NET [192.168.0.0/16,!192.168.7.0/24]\n' +
      'alert udp !10.0.0.0/8 any -> $HOME_NET 53 (msg:"na"; sid:10;)\n';
    const hit = async (src: string, dst: string) => (await runIds(rules, writePcap([udpPkt(0, src, dst, 5353, 53, 'q')]))).alerts.length;
    expect(await hit('10.1.2.3', '192.168.1.1')).toBe(0); // source excluded
    expect(await hit('172.16.0.1', '192.168.1.1')).toBe(1);
    expect(await hit('172.16.0.1', '192.168.7.9')).toBe(0); // the list's exception
    expect(await hit('172.16.0.1', '8.8.8.8')).toBe(0); // outside HOME_NET
  });

  it('port ranges, open ranges and negated ports', async () => {
    const rules = 'alert udp any 1024: -> any !53 (msg:"pr"; sid:11;)\n';
    const hit = async (sp: number, dp: number) => (await runIds(rules, writePcap([udpPkt(0, C, S, sp, dp, 'z')]))).alerts.length;
    expect(await hit(1024, 80)).toBe(1);
    expect(await hit(1023, 80)).toBe(0);
    expect(await hit(65535, 53)).toBe(0);
  });

  it('bidirectional rules match both directions', async () => {
    const rules = `alert udp ${C} any <> ${S} 7777 (msg:"bi"; content:"ping"; sid:12;)\n`;
    const r = await runIds(rules, writePcap([udpPkt(0, C, S, 5000, 7777, 'ping'), udpPkt(1, S, C, 7777, 5000, 'ping'), udpPkt(2, S, '10.9.9.9', 7777, 5000, 'ping')]));
    expect(r.alerts.length).toBe(2);
  });

  it('TCP flags: exact, plus, and the reserved-bit mask', async () => {
    const rules = 'alert tcp any any -> any any (msg:"synfin"; flow:stateless; flags:SF,12; sid:13;)\n' +
      'alert tcp any any -> any any (msg:"null"; flow:stateless; flags:0; sid:14;)\n';
    const pk = [tcpPkt(0, C, S, 1, 2, TH.SYN | TH.FIN, 1, 0), tcpPkt(1, C, S, 3, 4, TH.SYN | TH.FIN | 0x80, 1, 0), tcpPkt(2, C, S, 5, 6, 0, 1, 0), tcpPkt(3, C, S, 7, 8, TH.SYN, 1, 0)];
    expect(sids((await runIds(rules, writePcap(pk))).alerts)).toEqual([13, 13, 14]);
  });

  it('flow:to_server,established needs the 3-way handshake and the client direction', async () => {
    const rules = 'alert tcp any any <> any any (msg:"est"; flow:to_server,established; content:"hello"; sid:15;)\n';
    // no handshake: midstream data is not established
    expect((await runIds(rules, writePcap([tcpPkt(0, C, S, 40000, 80, TH.ACK | TH.PSH, 1, 1, 'hello')]))).alerts).toEqual([]);
    // handshake done, client → server
    expect((await runIds(rules, writePcap(session(['hello'])))).alerts.length).toBe(1);
    // the same bytes from the server are to_client
    const pk = session([]);
    pk.push(tcpPkt(0.5, S, C, 80, 40000, TH.ACK | TH.PSH, 5001, 1001, 'hello'));
    expect((await runIds(rules, writePcap(pk))).alerts).toEqual([]);
  });

  it('flows expire after tcp_timeout of packet time (expiry sweep)', async () => {
    const rules = 'config tcp_timeout: 5\nalert tcp any any -> any 80 (msg:"est"; flow:to_server,established; content:"hello"; sid:16;)\n';
    // a packet from another host advances the packet clock so the sweep runs
    const idle = (gap: number) => {
      const pk = session(['x']);
      pk.push(udpPkt(gap, '10.9.9.9', '10.9.9.8', 1, 2, 'tick'));
      pk.push(tcpPkt(gap + 0.5, C, S, 40000, 80, TH.ACK | TH.PSH, 1002, 5001, 'hello'));
      return writePcap(pk);
    };
    expect((await runIds(rules, idle(3))).alerts.length).toBe(1); // within the timeout
    expect((await runIds(rules, idle(10))).alerts).toEqual([]); // expired: picked up midstream
  });

  it('a matching pass rule suppresses the alerts of that packet', async () => {
    const rules = 'alert udp any any -> any 9999 (msg:"a"; content:"x"; sid:17;)\npass udp 10.0.0.1 any -> any 9999 (msg:"p"; content:"x"; sid:18;)\n';
    const r = await runIds(rules, writePcap([udpPkt(0, C, S, 1, 9999, 'x'), udpPkt(1, '10.0.0.2', S, 1, 9999, 'x')]));
    expect(r.alerts.length).toBe(1);
    expect(r.alerts[0]).toContain('10.0.0.2:1 -> ');
  });

  it('ICMP itype/icode rules', async () => {
    const rules = 'alert icmp any any -> any any (msg:"unreach port"; itype:3; icode:3; sid:19;)\n';
    const r = await runIds(rules, writePcap([icmpPkt(0, S, C, 3, 3), icmpPkt(1, S, C, 3, 1), icmpPkt(2, C, S, 8, 0)]));
    expect(r.alerts.length).toBe(1);
    expect(r.alerts[0]).toContain('{ICMP} 192.168.1.10 -> 10.0.0.1');
  });

  it('IPv6 and VLAN-tagged frames are inspected; IPv6 CIDRs match; addresses print in IPv6 form', async () => {
    const rules = 'alert udp 2001:db8::/32 any -> any 9999 (msg:"v6"; content:"probe"; sid:20;)\n' +
      'alert udp 10.0.0.0/8 any -> any 9999 (msg:"v4"; content:"probe"; sid:21;)\n';
    const v6 = (src: string) => {
      const u = udp(4444, 9999, Buffer.from('xxprobexx'));
      const h = Buffer.alloc(40);
      h[0] = 0x60;
      h.writeUInt16BE(u.length, 4);
      h[6] = 17;
      h[7] = 64;
      const addr = (a: string) => {
        const [hi, lo] = a.split('::');
        const parts = [...hi.split(':'), ...Array(8 - hi.split(':').length - (lo ? lo.split(':').length : 0)).fill('0'), ...(lo ? lo.split(':') : [])];
        const b = Buffer.alloc(16);
        parts.forEach((x, i) => b.writeUInt16BE(parseInt(x || '0', 16), i * 2));
        return b;
      };
      addr(src).copy(h, 8);
      addr('2001:db8::99').copy(h, 24);
      return { sec: T0, usec: 0, data: ethernet(0x86dd, Buffer.concat([h, u])) };
    };
    const vlan = { sec: T0 + 1, usec: 0, data: ethernet(0x0800, ipv4({ src: '10.0.0.5', dst: S, proto: 17 }, udp(4444, 9999, Buffer.from('probe'))), [{ tpid: 0x8100, vid: 42 }]) };
    const r = await runIds(rules, writePcap([v6('2001:db8::1'), v6('2001:db9::1'), vlan]));
    expect(r.alerts).toEqual([
      '07/14-02:40:00.000000  [**] [1:20:1] v6 [**] [Priority: 3] {UDP} 2001:db8::1:4444 -> 2001:db8::99:9999',
      '07/14-02:40:01.000000  [**] [1:21:1] v4 [**] [Priority: 3] {UDP} 10.0.0.5:4444 -> 192.168.1.10:9999',
    ]);
  });

  it('at most max_events events are logged per packet, in rule-file order', async () => {
    const rules = 'config max_events: 2\n' + [1, 2, 3].map((i) => `alert udp any any -> any 9999 (msg:"m${i}"; content:"z"; sid:${30 + i};)`).join('\n') + '\n';
    expect(sids((await runIds(rules, writePcap([udpPkt(0, C, S, 1, 9999, 'z')]))).alerts)).toEqual([31, 32]);
  });

  it('detection_filter: only matches past count within seconds, per tracked address, alert', async () => {
    const rules = 'alert udp any any -> any 9999 (msg:"df"; content:"login failed"; detection_filter:track by_src, count 3, seconds 10; sid:40;)\n';
    const pk = [0, 1, 2, 3, 4].map((t) => udpPkt(t, C, S, 1, 9999, 'login failed'));
    pk.push(udpPkt(5, '10.0.0.2', S, 1, 9999, 'login failed')); // another source: its own count
    pk.push(udpPkt(20, C, S, 1, 9999, 'login failed')); // window over: counting restarts
    const r = await runIds(rules, writePcap(pk));
    expect(r.alerts.map((l) => l.slice(0, 14))).toEqual(['07/14-02:40:03', '07/14-02:40:04']);
  });

  it('sfPortscan-like: a portscan event once the threshold of distinct ports is reached', async () => {
    const rules = 'config portscan_ports: 20\n';
    const scan = (n: number) => writePcap(Array.from({ length: n }, (_, i) => tcpPkt(i * 0.01, C, S, 55555, 1000 + i, TH.SYN, 77, 0)));
    const r = await runIds(rules, scan(25));
    expect(r.alerts.length).toBe(1);
    expect(r.alerts[0]).toMatch(/\[122:1:1\] \(portscan\) TCP Portscan .* \{PROTO:255\} 10\.0\.0\.1 -> 192\.168\.1\.10$/);
    expect((await runIds(rules, scan(19))).alerts).toEqual([]);
  });
});

// ---- real traces ------------------------------------------------------------------

/** Minimal Ethernet/IPv4/TCP view, enough for the reference counts below. */
interface Seg { src: string; dst: string; sport: number; dport: number; flags: number; payload: Buffer }
function tcpSegments(file: string): Seg[] {
  const out: Seg[] = [];
  for (const p of readPcap(readFileSync(file)).packets) {
    const f = p.data;
    if (f.length < 34 || f.readUInt16BE(12) !== 0x0800 || f[23] !== 6) continue;
    const ihl = (f[14] & 15) * 4;
    const l4 = 14 + ihl;
    const totLen = f.readUInt16BE(16);
    if (f.length < l4 + 20) continue;
    const thl = (f[l4 + 12] >> 4) * 4;
    const end = Math.min(f.length, 14 + totLen);
    out.push({
      src: `${f[26]}.${f[27]}.${f[28]}.${f[29]}`,
      dst: `${f[30]}.${f[31]}.${f[32]}.${f[33]}`,
      sport: f.readUInt16BE(l4),
      dport: f.readUInt16BE(l4 + 2),
      flags: f[l4 + 13],
      payload: f.subarray(l4 + thl, end),
    });
  }
  return out;
}

const trace = (name: string) => join(SHARED_TRACES_DIR, name);
const haveTraces = existsSync(SHARED_TRACES_DIR);

function countMsg(alerts: string[], msg: string): number {
  return alerts.filter((l) => l.includes(`] ${msg} [**]`)).length;
}

describe.skipIf(!haveTraces)('ids on real traces (/work/shared/traces)', () => {
  it('CIC-IDS2017 XSS: one XSS alert per attack request', async () => {
    const file = trace('cicids2017-webattack-xss.pcap');
    // reference: client segments to port 80 carrying an encoded <script> tag
    const expected = tcpSegments(file).filter((s) => s.dport === 80 && /%3Cscript/i.test(s.payload.toString('latin1'))).length;
    expect(expected).toBeGreaterThan(100);
    const r = await runIds({ path: BUNDLED_RULES }, file);
    expect(r.code, r.stderr).toBe(0);
    const msg = 'SERVER-WEBAPP Cross-site scripting attempt - URL-encoded script tag';
    expect(countMsg(r.alerts, msg)).toBe(expected);
    expect(r.alerts.every((l) => /^\d\d\/\d\d-\d\d:\d\d:\d\d\.\d{6}  \[\*\*\] \[\d+:\d+:\d+\] /.test(l))).toBe(true);

    // broken-rule control: one wrong byte in the pattern and the same check fails
    const broken = readFileSync(BUNDLED_RULES, 'utf8').replace('content:"%3Cscript"; nocase;', 'content:"%3Cscripx"; nocase;');
    expect(broken).not.toBe(readFileSync(BUNDLED_RULES, 'utf8'));
    const rb = await runIds(broken, file);
    expect(rb.code, rb.stderr).toBe(0);
    expect(countMsg(rb.alerts, msg)).not.toBe(expected);
  });

  it('FTP brute force: one login-failure alert per "530 " reply on a handshaked connection', async () => {
    const file = trace('ftp-bruteforce-1400conns.pcap');
    const segs = tcpSegments(file);
    // The IDS treats connections picked up without a handshake as not
    // established (documented); count only replies on connections whose SYN
    // is in the trace before the reply.
    const opened = new Set<string>();
    let expected = 0;
    let all530 = 0;
    for (const s of segs) {
      if ((s.flags & 0x12) === 0x02) opened.add(`${s.src}:${s.sport}>${s.dst}:${s.dport}`);
      if (s.sport === 21 && s.payload.subarray(0, 4).toString('latin1') === '530 ') {
        all530++;
        if (opened.has(`${s.dst}:${s.dport}>${s.src}:${s.sport}`)) expected++;
      }
    }
    expect(all530 - expected).toBeLessThan(50); // only the first, midstream connections differ
    const r = await runIds({ path: BUNDLED_RULES }, file);
    expect(r.code, r.stderr).toBe(0);
    expect(countMsg(r.alerts, 'PROTOCOL-FTP login failed')).toBe(expected);
    // detection_filter count 5 in 60 s by destination: one attacker, failures
    // every few tens of ms, so all but the first five are reported
    expect(countMsg(r.alerts, 'PROTOCOL-FTP brute force login attempt')).toBe(expected - 5);
    expect(r.alerts.find((l) => l.includes('PROTOCOL-FTP login failed'))).toMatch(/\[Classification: Unsuccessful User Privilege Gain\] \[Priority: 1\] \{TCP\} 10\.121\.70\.151:21 -> 10\.234\.125\.254:\d+$/);
  });

  it('SSH brute force on port 902: libssh2 client banners are flagged', async () => {
    const file = trace('ssh-bruteforce.pcap');
    const expected = tcpSegments(file).filter((s) => s.dport === 902 && s.payload.subarray(0, 15).toString('latin1') === 'SSH-2.0-libssh2').length;
    expect(expected).toBeGreaterThan(10);
    const r = await runIds({ path: BUNDLED_RULES }, file);
    expect(countMsg(r.alerts, 'INDICATOR-SCAN libssh2 client (brute-force tools)')).toBe(expected);
  });

  it('nmap SYN scan and the small port scan raise exactly one TCP Portscan event', async () => {
    for (const name of ['nmap-synscan.pcap', 'portscan-small.pcap']) {
      const r = await runIds({ path: BUNDLED_RULES }, trace(name));
      expect(r.code, r.stderr).toBe(0);
      const ps = r.alerts.filter((l) => l.includes('[122:1:1] (portscan) TCP Portscan'));
      expect(ps.length, name).toBe(1);
    }
  });

  it('ICMP ping sweep raises an ICMP Sweep event; the DNSBL lookups are flagged', async () => {
    const sweep = await runIds({ path: BUNDLED_RULES }, trace('icmp-sweep.pcap'));
    expect(sweep.alerts.filter((l) => l.includes('[122:25:1] (portscan) ICMP Sweep')).length).toBe(1);
    const dns = await runIds({ path: BUNDLED_RULES }, trace('ctu-dnsbl-lookups-tls.pcap'));
    expect(countMsg(dns.alerts, 'POLICY-OTHER DNSBL lookup Spamhaus')).toBeGreaterThan(0);
  });
});

describe('ids rule-file fuzzing (bounded)', () => {
  it('the rule parser and compiler survive a short libFuzzer run seeded with ids.rules', async () => {
    const fuzzer = join(work, 'ids-fuzz-rules');
    const built = await run('clang', [...CFLAGS, '-I../common', '-DMBOX_FUZZ', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=all', '-g', '-O1', '-o', fuzzer, 'fuzz-rules.c', 'rules.c', 'acsm.c', 'detect.c'], { cwd: DIR, timeoutMs: 120_000 });
    expect(built.code, built.stderr).toBe(0);
    const corpus = join(work, 'rules-corpus');
    const artifacts = join(work, 'rules-artifacts');
    mkdirSync(corpus, { recursive: true });
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(corpus, 'bundled'), readFileSync(BUNDLED_RULES));
    const r = await run(fuzzer, ['-max_total_time=8', '-timeout=20', '-rss_limit_mb=1536', `-artifact_prefix=${artifacts}/`, corpus], {
      cwd: DIR,
      timeoutMs: 90_000,
    });
    expect(readdirSync(artifacts), r.stderr.slice(-2000)).toEqual([]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/Done \d+ runs/);
  }, 180_000);
});
