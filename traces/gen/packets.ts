// Frame builders for the generator: Ethernet (with optional VLAN/MPLS), IPv4,
// IPv6, TCP, UDP, ICMP, with correct IPv4 header and transport checksums.

export const ETH_IPV4 = 0x0800;
export const ETH_IPV6 = 0x86dd;
export const ETH_ARP = 0x0806;
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export type Ip4 = readonly [number, number, number, number];

/** Internet checksum (RFC 1071) over buf, starting from a partial sum. */
export function inetChecksum(buf: Buffer, start = 0, end = buf.length, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ip4Bytes(a: Ip4): Buffer {
  return Buffer.from(a);
}

/** The MAC a host gets: locally administered, derived from its IPv4 address. */
export function macOf(ip: Ip4 | Buffer): Buffer {
  return Buffer.from([0x02, 0x00, ip[0], ip[1], ip[2], ip[3]]);
}

export interface L2Options {
  srcMac: Buffer;
  dstMac: Buffer;
  /** 802.1Q VLAN ids, outermost first; the outermost uses 802.1ad (0x88a8) when there are two or more. */
  vlans?: number[];
  /** MPLS labels, outermost first. */
  mpls?: number[];
}

export function ethernet(l2: L2Options, etherType: number, payload: Buffer): Buffer {
  const tags: Buffer[] = [];
  const vlans = l2.vlans ?? [];
  const mpls = l2.mpls ?? [];
  let type = mpls.length > 0 ? 0x8847 : etherType;
  // Build from the inside out so each tag carries the type that follows it.
  for (let i = vlans.length - 1; i >= 0; i--) {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(vlans[i] & 0x0fff, 0);
    t.writeUInt16BE(type, 2);
    tags.unshift(t);
    type = i === 0 && vlans.length >= 2 ? 0x88a8 : 0x8100;
  }
  const labels = mpls.map((label, i) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE((((label & 0xfffff) << 12) | (i === mpls.length - 1 ? 0x100 : 0) | 64) >>> 0, 0);
    return b;
  });
  const h = Buffer.alloc(14);
  l2.dstMac.copy(h, 0);
  l2.srcMac.copy(h, 6);
  h.writeUInt16BE(type, 12);
  return Buffer.concat([h, ...tags, ...labels, payload]);
}

export interface Ip4Options {
  src: Ip4;
  dst: Ip4;
  proto: number;
  id: number;
  ttl?: number;
  /** Flags+fragment offset field (DF = 0x4000, MF = 0x2000, offset in 8-byte units). */
  fragField?: number;
}

export function ipv4(o: Ip4Options, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(Math.min(20 + payload.length, 0xffff), 2); // a GSO super-packet overflows; callers fix it
  h.writeUInt16BE(o.id & 0xffff, 4);
  h.writeUInt16BE(o.fragField ?? 0x4000, 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  ip4Bytes(o.src).copy(h, 12);
  ip4Bytes(o.dst).copy(h, 16);
  h.writeUInt16BE(inetChecksum(h), 10);
  return Buffer.concat([h, payload]);
}

/** Pseudo-header partial sum for TCP/UDP over IPv4. */
function pseudo4(src: Ip4, dst: Ip4, proto: number, len: number): number {
  return ((src[0] << 8) | src[1]) + ((src[2] << 8) | src[3]) + ((dst[0] << 8) | dst[1]) + ((dst[2] << 8) | dst[3]) + proto + len;
}

function pseudo6(src: Buffer, dst: Buffer, proto: number, len: number): number {
  let s = 0;
  for (let i = 0; i < 16; i += 2) s += ((src[i] << 8) | src[i + 1]) + ((dst[i] << 8) | dst[i + 1]);
  return s + (len >>> 16) + (len & 0xffff) + proto;
}

export interface TcpOptions {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window?: number;
  /** Raw TCP options, padded to 4 bytes by the builder. */
  options?: Buffer;
}

/** A TCP segment with its checksum over the IPv4 (or IPv6) pseudo-header. */
export function tcp(o: TcpOptions, payload: Buffer, src: Ip4 | Buffer, dst: Ip4 | Buffer): Buffer {
  const opt = o.options ?? Buffer.alloc(0);
  const optLen = (opt.length + 3) & ~3;
  const h = Buffer.alloc(20 + optLen);
  h.writeUInt16BE(o.sport, 0);
  h.writeUInt16BE(o.dport, 2);
  h.writeUInt32BE(o.seq >>> 0, 4);
  h.writeUInt32BE((o.flags & TCP_ACK ? o.ack : 0) >>> 0, 8);
  h[12] = ((20 + optLen) / 4) << 4;
  h[13] = o.flags;
  h.writeUInt16BE(o.window ?? 64240, 14);
  opt.copy(h, 20);
  const seg = Buffer.concat([h, payload]);
  const ps = src.length === 4 ? pseudo4(src as Ip4, dst as Ip4, 6, seg.length) : pseudo6(src as Buffer, dst as Buffer, 6, seg.length);
  seg.writeUInt16BE(inetChecksum(seg, 0, seg.length, ps), 16);
  return seg;
}

export function udp(sport: number, dport: number, payload: Buffer, src: Ip4 | Buffer, dst: Ip4 | Buffer): Buffer {
  const seg = Buffer.alloc(8 + payload.length);
  seg.writeUInt16BE(sport, 0);
  seg.writeUInt16BE(dport, 2);
  seg.writeUInt16BE(seg.length, 4);
  payload.copy(seg, 8);
  const ps = src.length === 4 ? pseudo4(src as Ip4, dst as Ip4, 17, seg.length) : pseudo6(src as Buffer, dst as Buffer, 17, seg.length);
  const c = inetChecksum(seg, 0, seg.length, ps);
  seg.writeUInt16BE(c === 0 ? 0xffff : c, 6); // 0 means "no checksum" in UDP
  return seg;
}

/** ICMP echo request (type 8) or reply (type 0). */
export function icmpEcho(type: 0 | 8, id: number, seq: number, payload: Buffer): Buffer {
  const m = Buffer.alloc(8 + payload.length);
  m[0] = type;
  m.writeUInt16BE(id, 4);
  m.writeUInt16BE(seq, 6);
  payload.copy(m, 8);
  m.writeUInt16BE(inetChecksum(m), 2);
  return m;
}

/** IPv6 header plus payload; `ext` are pre-built extension headers, `firstNext` the first next-header value. */
export function ipv6(src: Buffer, dst: Buffer, firstNext: number, payload: Buffer, hopLimit = 64): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(payload.length, 4);
  h[6] = firstNext;
  h[7] = hopLimit;
  src.copy(h, 8);
  dst.copy(h, 24);
  return Buffer.concat([h, payload]);
}
