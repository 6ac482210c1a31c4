// Traffic sessions for the generator: TCP connections (handshake, HTTP/FTP/SSH
// dialogues with consistent seq/ack, retransmissions, FIN or RST teardown),
// DNS over UDP (IPv4 and IPv6), ICMP echo, a SYN port scan and a SYN flood.
import type { Prng } from './prng.js';
import { DNS_A, DNS_AAAA, DNS_CNAME, dnsQuery, dnsResponse, type DnsAnswer } from './dns.js';
import {
  ETH_IPV4,
  ETH_IPV6,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  ethernet,
  icmpEcho,
  ipv4,
  ipv6,
  macOf,
  tcp,
  udp,
  type Ip4,
} from './packets.js';

/** One generated packet at an absolute time in microseconds. */
export interface Ev {
  t: number;
  data: Buffer;
  origLen?: number;
}

/** The capture point sits on the client LAN: remote hosts are seen behind this router MAC. */
export const ROUTER_MAC = Buffer.from([0x02, 0x00, 0x5e, 0x00, 0x00, 0x01]);

export interface Host {
  ip: Ip4;
  mac: Buffer;
}

export function localHost(ip: Ip4): Host {
  return { ip, mac: macOf(ip) };
}
export function remoteHost(ip: Ip4): Host {
  return { ip, mac: ROUTER_MAC };
}

function frame4(from: Host, to: Host, proto: number, l4: Buffer, rng: Prng, ttl = 64): Buffer {
  return ethernet({ srcMac: from.mac, dstMac: to.mac }, ETH_IPV4, ipv4({ src: from.ip, dst: to.ip, proto, id: rng.int(0, 0xffff), ttl }, l4));
}

// ---- TCP ----

export type App = 'http' | 'ftp' | 'ssh';
const APP_PORT: Record<App, number> = { http: 80, ftp: 21, ssh: 22 };
const MSS = 1460;

interface Side {
  host: Host;
  port: number;
  nxt: number;
}

/** A dialogue: who speaks, and what. */
type Turn = { from: 'c' | 's'; data: Buffer };

const PATHS = ['/', '/index.html', '/news/today', '/static/app.js', '/img/logo.png', '/api/v1/items?page=2', '/login', '/favicon.ico'];
const HOSTS = ['www.example.com', 'intranet.example.org', 'cdn.example.net', 'shop.example.com'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', 'curl/7.88.1', 'Wget/1.21.3'];
const SERVERS = ['nginx/1.22.1', 'Apache/2.4.62 (Debian)', 'lighttpd/1.4.69'];
const WORDS = ['state', 'packet', 'flow', 'middlebox', 'failover', 'standby', 'primary', 'network', 'function', 'trace', 'update', 'table'];

function textBody(rng: Prng, n: number): Buffer {
  let s = '<!DOCTYPE html>\n<html><head><title>statelab</title></head><body>\n';
  while (s.length < n - 16) s += `<p>${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)}.</p>\n`;
  s = s.slice(0, Math.max(0, n - 15)) + '</body></html>\n';
  return Buffer.from(s, 'ascii');
}

function httpDialogue(rng: Prng): Turn[] {
  const turns: Turn[] = [];
  const requests = rng.int(1, 3); // keep-alive: several requests on one connection
  const host = rng.pick(HOSTS);
  for (let i = 0; i < requests; i++) {
    const path = rng.pick(PATHS);
    turns.push({ from: 'c', data: Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${rng.pick(AGENTS)}\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n`) });
    const notFound = rng.chance(0.1);
    const body = notFound ? Buffer.from('<html><body><h1>404 Not Found</h1></body></html>\n') : textBody(rng, rng.int(200, 12000));
    const head = `HTTP/1.1 ${notFound ? '404 Not Found' : '200 OK'}\r\nServer: ${rng.pick(SERVERS)}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n`;
    turns.push({ from: 's', data: Buffer.concat([Buffer.from(head), body]) });
  }
  return turns;
}

function ftpDialogue(rng: Prng): Turn[] {
  const ok = rng.chance(0.5);
  const user = rng.pick(['anonymous', 'admin', 'ftp', 'root', 'backup']);
  const t = (from: 'c' | 's', s: string): Turn => ({ from, data: Buffer.from(s + '\r\n') });
  const turns = [t('s', '220 (vsFTPd 3.0.3)'), t('c', `USER ${user}`), t('s', '331 Please specify the password.'), t('c', `PASS ${rng.pick(['guest@', '123456', 'password', 'letmein'])}`)];
  if (ok) turns.push(t('s', '230 Login successful.'), t('c', 'SYST'), t('s', '215 UNIX Type: L8'), t('c', 'PWD'), t('s', '257 "/" is the current directory'));
  else turns.push(t('s', '530 Login incorrect.'));
  turns.push(t('c', 'QUIT'), t('s', '221 Goodbye.'));
  return turns;
}

function sshDialogue(rng: Prng): Turn[] {
  const b = (from: 'c' | 's', n: number): Turn => ({ from, data: rng.bytes(n) });
  return [
    { from: 's', data: Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n') },
    { from: 'c', data: Buffer.from('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n') },
    b('c', rng.int(1200, 1600)), // KEXINIT
    b('s', rng.int(1000, 1200)),
    b('c', 48), // KEX_ECDH_INIT
    b('s', rng.int(500, 600)),
    b('c', 16), // NEWKEYS
    ...Array.from({ length: rng.int(2, 6) }, (_, i) => b(i % 2 === 0 ? 'c' : 's', rng.int(36, 700))),
  ];
}

/** A whole TCP connection as the client LAN sees it. */
export function tcpSession(rng: Prng, start: number, client: Host, server: Host, app: App): Ev[] {
  const ev: Ev[] = [];
  const rtt = rng.int(2_000, 80_000);
  const c: Side = { host: client, port: rng.int(32768, 60999), nxt: rng.u32() };
  const s: Side = { host: server, port: APP_PORT[app], nxt: rng.u32() };
  let t = start;
  const send = (from: Side, to: Side, flags: number, payload: Buffer = Buffer.alloc(0), options?: Buffer, seqOverride?: number): void => {
    const seq = seqOverride ?? from.nxt;
    const seg = tcp({ sport: from.port, dport: to.port, seq, ack: to.nxt, flags, options, window: from === c ? 64240 : 65160 }, payload, from.host.ip, to.host.ip);
    ev.push({ t, data: frame4(from.host, to.host, 6, seg, rng) });
    if (seqOverride === undefined) from.nxt = (from.nxt + payload.length + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0;
  };
  // SYN options: MSS 1460, SACK permitted, window scale 7 (as Linux sends, without timestamps).
  const synOpts = Buffer.from([2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7]);
  send(c, s, TCP_SYN, undefined, synOpts);
  t += rtt;
  send(s, c, TCP_SYN | TCP_ACK, undefined, synOpts);
  t += rng.int(20, 300);
  send(c, s, TCP_ACK);
  const dialogue = app === 'http' ? httpDialogue(rng) : app === 'ftp' ? ftpDialogue(rng) : sshDialogue(rng);
  for (const turn of dialogue) {
    const [from, to] = turn.from === 'c' ? [c, s] : [s, c];
    t += turn.from === 'c' ? rng.int(200, 20_000) : rtt;
    for (let off = 0, n = 0; off < turn.data.length; off += MSS, n++) {
      const chunk = turn.data.subarray(off, off + MSS);
      const last = off + MSS >= turn.data.length;
      const seq = from.nxt;
      send(from, to, TCP_ACK | (last ? TCP_PSH : 0), chunk);
      if (rng.chance(0.03)) {
        // Lost beyond the capture point: the same bytes again after the RTO, and a duplicate ACK.
        t += 200_000 + rtt;
        send(from, to, TCP_ACK | (last ? TCP_PSH : 0), chunk, undefined, seq);
      }
      t += rng.int(10, 400);
      // The receiver ACKs every second segment and the last one (delayed ACK).
      if (last || n % 2 === 1) {
        t += turn.from === 'c' ? rtt : rng.int(100, 40_000);
        send(to, from, TCP_ACK);
      }
    }
  }
  t += rng.int(1_000, 200_000);
  if (rng.chance(0.2)) {
    // Abortive close by either side.
    const [from, to] = rng.chance(0.5) ? [c, s] : [s, c];
    send(from, to, TCP_RST | TCP_ACK);
  } else {
    const [a, b] = rng.chance(0.6) ? [c, s] : [s, c];
    send(a, b, TCP_FIN | TCP_ACK);
    t += rtt;
    send(b, a, TCP_ACK);
    t += rng.int(50, 2_000);
    send(b, a, TCP_FIN | TCP_ACK);
    t += rtt;
    send(a, b, TCP_ACK);
  }
  return ev;
}

// ---- UDP: DNS ----

const NAMES = ['www.example.com', 'mail.example.org', 'api.example.net', 'time.example.com', 'updates.example.org', 'login.example.com', 'does-not-exist.example.invalid'];

function v6Of(ip: Ip4, prefix: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(0x20010db8, 0); // 2001:db8::/32, the documentation prefix
  b.writeUInt16BE(prefix, 4);
  Buffer.from(ip).copy(b, 12);
  return b;
}

/** One to three lookups from one client socket to a resolver; sometimes over IPv6. */
export function dnsSession(rng: Prng, start: number, client: Host, resolver: Host): Ev[] {
  const ev: Ev[] = [];
  const sport = rng.int(1024, 65535);
  const over6 = rng.chance(0.15);
  const src6 = v6Of(client.ip, 1);
  const dst6 = v6Of(resolver.ip, 2);
  const rtt = rng.int(1_000, 50_000);
  let t = start;
  const put = (from: Host, to: Host, sp: number, dp: number, payload: Buffer): void => {
    if (over6) {
      const [s6, d6] = from === client ? [src6, dst6] : [dst6, src6];
      ev.push({ t, data: ethernet({ srcMac: from.mac, dstMac: to.mac }, ETH_IPV6, ipv6(s6, d6, 17, udp(sp, dp, payload, s6, d6))) });
    } else {
      ev.push({ t, data: frame4(from, to, 17, udp(sp, dp, payload, from.ip, to.ip), rng) });
    }
  };
  const lookups = rng.int(1, 3);
  for (let i = 0; i < lookups; i++) {
    const id = rng.int(0, 0xffff);
    const name = rng.pick(NAMES);
    const qtype = rng.chance(0.7) ? DNS_A : DNS_AAAA;
    put(client, resolver, sport, 53, dnsQuery(id, name, qtype));
    t += rtt;
    if (name.endsWith('.invalid')) {
      put(resolver, client, 53, sport, dnsResponse(id, name, qtype, [], 3)); // NXDOMAIN
    } else {
      const answers: DnsAnswer[] = [];
      if (rng.chance(0.3)) answers.push({ type: DNS_CNAME, ttl: 300, data: `edge${rng.int(1, 9)}.cdn.example.net` });
      for (let k = rng.int(1, 3); k > 0; k--) {
        answers.push({ type: qtype, ttl: rng.int(30, 3600), data: qtype === DNS_A ? Buffer.from([198, 51, 100, rng.int(1, 254)]) : v6Of([198, 51, 100, rng.int(1, 254)], 3) });
      }
      put(resolver, client, 53, sport, dnsResponse(id, name, qtype, answers));
    }
    t += rng.int(1_000, 500_000);
  }
  return ev;
}

// ---- ICMP echo ----

export function pingSession(rng: Prng, start: number, client: Host, target: Host): Ev[] {
  const ev: Ev[] = [];
  const id = rng.int(1, 0xffff);
  const rtt = rng.int(500, 60_000);
  let t = start;
  const count = rng.int(1, 5);
  for (let seq = 1; seq <= count; seq++) {
    // Linux ping: 8 bytes of timestamp then the bytes 0x10..0x37.
    const payload = Buffer.alloc(56);
    payload.writeUInt32LE(Math.floor(t / 1e6) >>> 0, 0);
    payload.writeUInt32LE(t % 1e6, 4);
    for (let i = 8; i < 56; i++) payload[i] = i + 8;
    ev.push({ t, data: frame4(client, target, 1, icmpEcho(8, id, seq, payload), rng) });
    if (!rng.chance(0.1)) ev.push({ t: t + rtt, data: frame4(target, client, 1, icmpEcho(0, id, seq, payload), rng, 57) });
    t += 1_000_000;
  }
  return ev;
}

// ---- scan and flood ----

const OPEN_PORTS = new Set([22, 25, 53, 80, 443, 3306, 8080]);

/** A SYN scan of `ports` ports: open ones answer SYN/ACK (then the scanner RSTs), closed ones RST/ACK, some are filtered. */
export function scanSession(rng: Prng, start: number, scanner: Host, target: Host, ports: number): Ev[] {
  const ev: Ev[] = [];
  const list = Array.from({ length: 1024 }, (_, i) => i + 1).concat([1433, 3306, 3389, 5432, 5900, 8080, 8443]);
  rng.shuffle(list);
  const sport = rng.int(32768, 60999);
  const rtt = rng.int(200, 5_000);
  let t = start;
  for (const dport of list.slice(0, ports)) {
    const seq = rng.u32();
    const syn = tcp({ sport, dport, seq, ack: 0, flags: TCP_SYN, window: 1024, options: Buffer.from([2, 4, 0x05, 0xb4]) }, Buffer.alloc(0), scanner.ip, target.ip);
    ev.push({ t, data: frame4(scanner, target, 6, syn, rng, rng.int(37, 59)) });
    const open = OPEN_PORTS.has(dport);
    if (open) {
      const isn = rng.u32();
      ev.push({ t: t + rtt, data: frame4(target, scanner, 6, tcp({ sport: dport, dport: sport, seq: isn, ack: seq + 1, flags: TCP_SYN | TCP_ACK }, Buffer.alloc(0), target.ip, scanner.ip), rng) });
      ev.push({ t: t + rtt + 30, data: frame4(scanner, target, 6, tcp({ sport, dport, seq: seq + 1, ack: 0, flags: TCP_RST, window: 0 }, Buffer.alloc(0), scanner.ip, target.ip), rng) });
    } else if (!rng.chance(0.15)) {
      ev.push({ t: t + rtt, data: frame4(target, scanner, 6, tcp({ sport: dport, dport: sport, seq: 0, ack: seq + 1, flags: TCP_RST | TCP_ACK, window: 0 }, Buffer.alloc(0), target.ip, scanner.ip), rng) });
    }
    t += rng.int(50, 1_500);
  }
  return ev;
}

/** A burst of SYNs from spoofed random sources to one server port; the server answers a few. */
export function synFloodSession(rng: Prng, start: number, target: Host, count: number): Ev[] {
  const ev: Ev[] = [];
  let t = start;
  for (let i = 0; i < count; i++) {
    const src: Ip4 = [rng.int(1, 223), rng.int(0, 255), rng.int(0, 255), rng.int(1, 254)];
    const attacker = remoteHost(src);
    const sport = rng.int(1024, 65535);
    const seq = rng.u32();
    ev.push({ t, data: frame4(attacker, target, 6, tcp({ sport, dport: 80, seq, ack: 0, flags: TCP_SYN, window: 512 }, Buffer.alloc(0), src, target.ip), rng, rng.int(30, 250)) });
    if (rng.chance(0.1)) {
      ev.push({ t: t + rng.int(50, 300), data: frame4(target, attacker, 6, tcp({ sport: 80, dport: sport, seq: rng.u32(), ack: seq + 1, flags: TCP_SYN | TCP_ACK }, Buffer.alloc(0), target.ip, src), rng) });
    }
    t += rng.int(5, 200);
  }
  return ev;
}
