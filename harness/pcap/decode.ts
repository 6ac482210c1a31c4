// Packet decoding for trace statistics: link layer, VLAN/MPLS unwrapping, IPv4,
// IPv6 (with extension headers), TCP/UDP/ICMP. IP and transport fields come from
// cap's decoders, called only after we have checked the captured length, since
// cap reads raw bytes without bounds checks (tcpdump's GET_* discipline). cap's
// Ethernet decoder is not used: it knows one 802.1Q tag and reads past short frames.
import { createRequire } from 'node:module';
import { LINKTYPE } from './constants.js';

interface CapDecoders {
  IPV4(b: Buffer, offset: number): {
    info: { hdrlen: number; totallen: number; flags: number; fragoffset: number; protocol: number; srcaddr: string; dstaddr: string };
    hdrlen: number;
    offset: number;
  };
  IPV6(b: Buffer, offset: number): { info: { srcaddr: string; dstaddr: string; payloadlen: number } };
  TCP(b: Buffer, offset: number): { info: { srcport: number; dstport: number; flags: number }; hdrlen: number; offset: number };
  UDP(b: Buffer, offset: number): { info: { srcport: number; dstport: number; length: number }; offset: number };
}

const require = createRequire(import.meta.url);
const cap = require('cap') as { decoders: CapDecoders };
const D = cap.decoders;

export const ETHERTYPE = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, QINQ: 0x88a8, QINQ_OLD: 0x9100, IPV6: 0x86dd, MPLS: 0x8847, MPLS_MC: 0x8848 } as const;
export const IPPROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;
/** IPv6 extension headers that chain with (next header, length) — RFC 8200 §4. */
const IPV6_EXT = new Set([0, 43, 44, 51, 60, 135, 139, 140]);

export type L3 = 'ipv4' | 'ipv6' | 'arp' | 'other';
export type L4 = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'other' | 'none';

export interface DecodedPacket {
  l3: L3;
  l4: L4;
  vlanTags: number;
  mplsLabels: number;
  /** Ethertype (or link-layer protocol) of the innermost layer-2 payload. */
  etherType?: number;
  src?: string;
  dst?: string;
  proto?: number;
  sport?: number;
  dport?: number;
  /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10 ...). */
  tcpFlags?: number;
  /** A non-first IP fragment (no transport header in it). */
  fragment: boolean;
  /** Headers were cut off by the capture length (caplen < wire length): not a fault of the packet. */
  snapped: boolean;
  /** Why the packet is malformed, when it is. */
  malformed?: string;
}

/** Decode one captured frame of link type `linkType`; never throws on any byte content. */
export function decodePacket(data: Buffer, linkType: number, origLen = data.length): DecodedPacket {
  const d: DecodedPacket = { l3: 'other', l4: 'none', vlanTags: 0, mplsLabels: 0, fragment: false, snapped: false };
  const cut = data.length < origLen;
  const bad = (why: string): DecodedPacket => {
    if (cut) d.snapped = true;
    else d.malformed = why;
    return d;
  };
  const len = data.length;
  let off = 0;
  let etype: number;
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      if (len < 14) return bad(`Ethernet header needs 14 bytes, frame has ${len}`);
      etype = data.readUInt16BE(12);
      off = 14;
      if (etype <= 1500) {
        d.etherType = etype;
        return d; // 802.3 length field (LLC): not IP
      }
      break;
    }
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (len < 4) return bad(`loopback header needs 4 bytes, frame has ${len}`);
      // DLT_NULL is in the capturing host's byte order; accept both.
      const fam = linkType === LINKTYPE.LOOP ? data.readUInt32BE(0) : Math.min(data.readUInt32LE(0), data.readUInt32BE(0));
      etype = fam === 2 ? ETHERTYPE.IPV4 : fam === 24 || fam === 28 || fam === 30 ? ETHERTYPE.IPV6 : -1;
      off = 4;
      break;
    }
    case LINKTYPE.LINUX_SLL:
      if (len < 16) return bad(`Linux cooked header needs 16 bytes, frame has ${len}`);
      etype = data.readUInt16BE(14);
      off = 16;
      break;
    case LINKTYPE.LINUX_SLL2:
      if (len < 20) return bad(`Linux cooked v2 header needs 20 bytes, frame has ${len}`);
      etype = data.readUInt16BE(0);
      off = 20;
      break;
    case LINKTYPE.RAW:
      etype = len > 0 && data[0] >> 4 === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
      break;
    case LINKTYPE.IPV4:
      etype = ETHERTYPE.IPV4;
      break;
    case LINKTYPE.IPV6:
      etype = ETHERTYPE.IPV6;
      break;
    default:
      return d;
  }
  // 802.1Q / 802.1ad tags, any depth.
  while (etype === ETHERTYPE.VLAN || etype === ETHERTYPE.QINQ || etype === ETHERTYPE.QINQ_OLD) {
    if (len - off < 4) return bad(`VLAN tag ${d.vlanTags + 1} needs 4 bytes at offset ${off}`);
    d.vlanTags += 1;
    etype = data.readUInt16BE(off + 2);
    off += 4;
  }
  // MPLS label stack: 4 bytes per label until bottom of stack, then guess IP by version.
  if (etype === ETHERTYPE.MPLS || etype === ETHERTYPE.MPLS_MC) {
    for (;;) {
      if (len - off < 4) return bad(`MPLS label ${d.mplsLabels + 1} needs 4 bytes at offset ${off}`);
      d.mplsLabels += 1;
      const bottom = (data[off + 2] & 0x01) !== 0;
      off += 4;
      if (bottom) break;
      if (d.mplsLabels > 64) return bad('MPLS label stack deeper than 64 without bottom-of-stack');
    }
    if (len - off < 1) return bad('no payload after MPLS label stack');
    const v = data[off] >> 4;
    etype = v === 4 ? ETHERTYPE.IPV4 : v === 6 ? ETHERTYPE.IPV6 : -1;
  }
  d.etherType = etype;
  if (etype === ETHERTYPE.ARP) {
    d.l3 = 'arp';
    return d;
  }
  if (etype === ETHERTYPE.IPV4) return decodeIPv4(data, off, d, bad);
  if (etype === ETHERTYPE.IPV6) return decodeIPv6(data, off, d, bad);
  return d;
}

type Bad = (why: string) => DecodedPacket;

function decodeIPv4(data: Buffer, off: number, d: DecodedPacket, bad: Bad): DecodedPacket {
  d.l3 = 'ipv4';
  const avail = data.length - off;
  if (avail < 20) return bad(`IPv4 header needs 20 bytes, ${avail} captured`);
  if (data[off] >> 4 !== 4) return bad(`IPv4 version field is ${data[off] >> 4}`);
  const ihl = (data[off] & 0x0f) * 4;
  if (ihl < 20) return bad(`IPv4 header length ${ihl} < 20 (bad IHL)`);
  if (ihl > avail) return bad(`IPv4 header length ${ihl} exceeds the ${avail} bytes captured`);
  const total = data.readUInt16BE(off + 2);
  const ip = D.IPV4(data, off);
  d.src = ip.info.srcaddr;
  d.dst = ip.info.dstaddr;
  d.proto = ip.info.protocol;
  if (total !== 0 && total < ihl) return bad(`IPv4 total length ${total} < header length ${ihl}`);
  // total 0 is TSO on the capturing host: the frame itself bounds the packet.
  let end = total === 0 ? data.length : off + total;
  if (end > data.length) {
    const r = bad(`IPv4 total length ${total} exceeds the ${avail} bytes after the link header`);
    if (r.malformed !== undefined) return r;
    end = data.length; // snapped by the capture: decode what is there
  }
  if (ip.info.fragoffset !== 0) {
    d.fragment = true;
    d.l4 = l4Name(d.proto, false);
    return d;
  }
  return decodeL4(data, off + ihl, end, d, bad, false);
}

function decodeIPv6(data: Buffer, off: number, d: DecodedPacket, bad: Bad): DecodedPacket {
  d.l3 = 'ipv6';
  const avail = data.length - off;
  if (avail < 40) return bad(`IPv6 header needs 40 bytes, ${avail} captured`);
  if (data[off] >> 4 !== 6) return bad(`IPv6 version field is ${data[off] >> 4}`);
  const ip = D.IPV6(data.subarray(off, off + 40), 0);
  d.src = ip.info.srcaddr;
  d.dst = ip.info.dstaddr;
  const plen = data.readUInt16BE(off + 4);
  let end = off + 40 + plen;
  if (end > data.length) {
    const r = bad(`IPv6 payload length ${plen} exceeds the ${avail - 40} bytes captured`);
    if (r.malformed !== undefined) return r;
    end = data.length;
  }
  let nh = data[off + 6];
  let p = off + 40;
  let hops = 0;
  while (IPV6_EXT.has(nh)) {
    if (end - p < 8) return bad(`IPv6 extension header ${nh} needs 8 bytes at offset ${p}`);
    const next = data[p];
    let hlen: number;
    if (nh === 44) {
      hlen = 8;
      const fragOff = data.readUInt16BE(p + 2) >> 3;
      if (fragOff !== 0) {
        d.fragment = true;
        d.proto = next;
        d.l4 = l4Name(next, true);
        return d;
      }
    } else if (nh === 51) {
      hlen = (data[p + 1] + 2) * 4;
    } else {
      hlen = (data[p + 1] + 1) * 8;
    }
    if (end - p < hlen) return bad(`IPv6 extension header ${nh} of ${hlen} bytes overruns the packet`);
    p += hlen;
    nh = next;
    if (++hops > 32) return bad('more than 32 IPv6 extension headers');
  }
  d.proto = nh;
  if (nh === 59) return d; // no next header
  return decodeL4(data, p, end, d, bad, true);
}

function l4Name(proto: number | undefined, v6: boolean): L4 {
  if (proto === IPPROTO.TCP) return 'tcp';
  if (proto === IPPROTO.UDP) return 'udp';
  if (proto === IPPROTO.ICMP && !v6) return 'icmp';
  if (proto === IPPROTO.ICMPV6 && v6) return 'icmpv6';
  return 'other';
}

function decodeL4(data: Buffer, off: number, end: number, d: DecodedPacket, bad: Bad, v6: boolean): DecodedPacket {
  d.l4 = l4Name(d.proto, v6);
  const avail = end - off;
  if (d.l4 === 'tcp') {
    if (avail < 20) return bad(`TCP header needs 20 bytes, ${avail} present`);
    const tcp = D.TCP(data, off);
    if (tcp.hdrlen < 20) return bad(`TCP data offset ${tcp.hdrlen / 4} < 5`);
    if (tcp.hdrlen > avail) return bad(`TCP header length ${tcp.hdrlen} exceeds the ${avail} bytes of segment`);
    d.sport = tcp.info.srcport;
    d.dport = tcp.info.dstport;
    d.tcpFlags = tcp.info.flags & 0xff;
  } else if (d.l4 === 'udp') {
    if (avail < 8) return bad(`UDP header needs 8 bytes, ${avail} present`);
    const udp = D.UDP(data, off);
    d.sport = udp.info.srcport;
    d.dport = udp.info.dstport;
    if (udp.info.length + 8 < 8) return bad(`UDP length ${udp.info.length + 8} < 8`);
  } else if (d.l4 === 'icmp' || d.l4 === 'icmpv6') {
    if (avail < 4) return bad(`ICMP header needs 4 bytes, ${avail} present`);
  }
  return d;
}

/** Direction-normalised 5-tuple of a TCP or UDP packet (same key both ways), or undefined. */
export function flowKey(d: DecodedPacket): string | undefined {
  if (d.fragment || d.sport === undefined || d.dport === undefined || (d.l4 !== 'tcp' && d.l4 !== 'udp')) return undefined;
  const a = `${d.src}|${d.sport}`;
  const b = `${d.dst}|${d.dport}`;
  return a < b ? `${d.l4} ${a} ${b}` : `${d.l4} ${b} ${a}`;
}
