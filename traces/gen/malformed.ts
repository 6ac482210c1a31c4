// Malformed and unusual frames for robustness testing: each kind is a frame a
// careless parser mishandles (short headers, lying length fields, odd
// encapsulations). `kind` names are what `trace gen --malformed` documents.
import type { Prng } from './prng.js';
import type { Ev, Host } from './sessions.js';
import { ETH_IPV4, ETH_IPV6, TCP_ACK, TCP_PSH, TCP_SYN, ethernet, inetChecksum, ipv4, ipv6, tcp, udp, type Ip4 } from './packets.js';

export const MALFORMED_KINDS = [
  'truncated-ethernet',
  'truncated-ipv4',
  'bad-ihl-short',
  'bad-ihl-long',
  'bad-total-length-long',
  'bad-total-length-short',
  'bad-ip-version',
  'bad-tcp-offset-short',
  'bad-tcp-offset-long',
  'truncated-tcp',
  'zero-length',
  'oversized',
  'non-ip-lldp',
  'non-ip-llc',
  'arp',
  'vlan',
  'qinq',
  'mpls',
  'vlan-mpls',
  'ipv6-ext-headers',
  'ipv6-fragment',
  'ipv4-fragments',
  'bad-udp-length',
] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

const BCAST = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

function seg(rng: Prng, a: Host, b: Host, payload: Buffer = Buffer.from('GET / HTTP/1.1\r\n\r\n')): Buffer {
  return tcp({ sport: rng.int(32768, 60999), dport: 80, seq: rng.u32(), ack: rng.u32(), flags: TCP_ACK | TCP_PSH }, payload, a.ip, b.ip);
}

function ip(rng: Prng, a: Host, b: Host, proto: number, l4: Buffer): Buffer {
  return ipv4({ src: a.ip, dst: b.ip, proto, id: rng.int(0, 0xffff) }, l4);
}

/** Re-checksum an IPv4 header after a field was damaged on purpose (so only the damaged field is wrong). */
function fixIpSum(pkt: Buffer, ihl = 20): Buffer {
  pkt.writeUInt16BE(0, 10);
  pkt.writeUInt16BE(inetChecksum(pkt, 0, Math.min(ihl, pkt.length)), 10);
  return pkt;
}

/** One frame (or, for fragments, two) of the given kind between hosts a and b. */
export function malformedFrames(kind: MalformedKind, rng: Prng, t: number, a: Host, b: Host, snapLen: number): Ev[] {
  const l2 = { srcMac: a.mac, dstMac: b.mac };
  const eth = (type: number, p: Buffer): Buffer => ethernet(l2, type, p);
  switch (kind) {
    case 'truncated-ethernet':
      return [{ t, data: eth(ETH_IPV4, Buffer.alloc(0)).subarray(0, 10) }];
    case 'truncated-ipv4':
      return [{ t, data: eth(ETH_IPV4, ip(rng, a, b, 6, seg(rng, a, b))).subarray(0, 14 + 12) }];
    case 'bad-ihl-short': {
      const p = ip(rng, a, b, 6, seg(rng, a, b));
      p[0] = 0x43; // IHL 3 words = 12 bytes < 20
      return [{ t, data: eth(ETH_IPV4, fixIpSum(p)) }];
    }
    case 'bad-ihl-long': {
      const p = ip(rng, a, b, 17, udp(5353, 5353, Buffer.alloc(4), a.ip, b.ip));
      p[0] = 0x4f; // IHL 60 bytes, longer than the 32-byte packet
      return [{ t, data: eth(ETH_IPV4, fixIpSum(p)) }];
    }
    case 'bad-total-length-long': {
      const p = ip(rng, a, b, 6, seg(rng, a, b));
      p.writeUInt16BE(1400, 2);
      return [{ t, data: eth(ETH_IPV4, fixIpSum(p)) }];
    }
    case 'bad-total-length-short': {
      const p = ip(rng, a, b, 6, seg(rng, a, b));
      p.writeUInt16BE(16, 2); // less than the header itself
      return [{ t, data: eth(ETH_IPV4, fixIpSum(p)) }];
    }
    case 'bad-ip-version': {
      const p = ip(rng, a, b, 6, seg(rng, a, b));
      p[0] = 0x55;
      return [{ t, data: eth(ETH_IPV4, fixIpSum(p)) }];
    }
    case 'bad-tcp-offset-short':
    case 'bad-tcp-offset-long': {
      const s = seg(rng, a, b, Buffer.from('x'));
      s[12] = kind === 'bad-tcp-offset-short' ? 0x20 : 0xf0; // 8 bytes, or 60 bytes of a 21-byte segment
      return [{ t, data: eth(ETH_IPV4, ip(rng, a, b, 6, s)) }];
    }
    case 'truncated-tcp':
      return [{ t, data: eth(ETH_IPV4, ip(rng, a, b, 6, seg(rng, a, b).subarray(0, 12))) }];
    case 'zero-length':
      return [{ t, data: Buffer.alloc(0), origLen: 0 }];
    case 'oversized': {
      // A GSO/TSO super-packet as a host with offloads captures it: the wire length
      // exceeds the snaplen, IPv4 total length 0, and the capture keeps snapLen bytes.
      const payload = rng.bytes(70_000 - 54);
      const p = ip(rng, a, b, 6, seg(rng, a, b, payload));
      p.writeUInt16BE(0, 2);
      const f = eth(ETH_IPV4, fixIpSum(p));
      return [{ t, data: f.subarray(0, snapLen), origLen: f.length }];
    }
    case 'non-ip-lldp': {
      // LLDP: chassis id, port id, TTL, end TLVs.
      const tlv = Buffer.from([0x02, 0x07, 0x04, ...a.mac, 0x04, 0x03, 0x05, 0x31, 0x31, 0x06, 0x02, 0x00, 0x78, 0x00, 0x00]);
      return [{ t, data: ethernet({ srcMac: a.mac, dstMac: Buffer.from([0x01, 0x80, 0xc2, 0, 0, 0x0e]) }, 0x88cc, tlv) }];
    }
    case 'non-ip-llc': {
      // 802.3 frame with an LLC header (STP BPDU): a length, not an ethertype.
      const bpdu = Buffer.concat([Buffer.from([0x42, 0x42, 0x03]), Buffer.alloc(35)]);
      return [{ t, data: ethernet({ srcMac: a.mac, dstMac: Buffer.from([0x01, 0x80, 0xc2, 0, 0, 0]) }, bpdu.length, bpdu) }];
    }
    case 'arp': {
      const arp = Buffer.alloc(28);
      arp.writeUInt16BE(1, 0);
      arp.writeUInt16BE(0x0800, 2);
      arp[4] = 6;
      arp[5] = 4;
      arp.writeUInt16BE(1, 6);
      a.mac.copy(arp, 8);
      Buffer.from(a.ip).copy(arp, 14);
      Buffer.from(b.ip).copy(arp, 24);
      return [{ t, data: ethernet({ srcMac: a.mac, dstMac: BCAST }, 0x0806, arp) }];
    }
    case 'vlan':
      return [{ t, data: ethernet({ ...l2, vlans: [rng.int(1, 4094)] }, ETH_IPV4, ip(rng, a, b, 6, seg(rng, a, b))) }];
    case 'qinq':
      return [{ t, data: ethernet({ ...l2, vlans: [rng.int(1, 4094), rng.int(1, 4094)] }, ETH_IPV4, ip(rng, a, b, 6, seg(rng, a, b))) }];
    case 'mpls':
      return [{ t, data: ethernet({ ...l2, mpls: [rng.int(16, 1_000_000), rng.int(16, 1_000_000)] }, ETH_IPV4, ip(rng, a, b, 17, udp(4000, 53, Buffer.alloc(12), a.ip, b.ip))) }];
    case 'vlan-mpls':
      return [{ t, data: ethernet({ ...l2, vlans: [rng.int(1, 4094)], mpls: [rng.int(16, 1_000_000)] }, ETH_IPV4, ip(rng, a, b, 6, seg(rng, a, b))) }];
    case 'ipv6-ext-headers': {
      const [s6, d6] = [v6(a.ip), v6(b.ip)];
      const s = tcp({ sport: rng.int(32768, 60999), dport: 443, seq: rng.u32(), ack: 0, flags: TCP_SYN }, Buffer.alloc(0), s6, d6);
      // Hop-by-hop (router alert) → destination options (PadN) → TCP.
      const hbh = Buffer.from([60, 0, 5, 2, 0, 0, 1, 0]);
      const dst = Buffer.from([6, 0, 1, 4, 0, 0, 0, 0]);
      return [{ t, data: eth(ETH_IPV6, ipv6(s6, d6, 0, Buffer.concat([hbh, dst, s]))) }];
    }
    case 'ipv6-fragment': {
      const [s6, d6] = [v6(a.ip), v6(b.ip)];
      const body = udp(5000, 53, rng.bytes(64), s6, d6);
      const id = rng.u32();
      const frag = (off: number, more: boolean, data: Buffer): Buffer => {
        const h = Buffer.alloc(8);
        h[0] = 17;
        h.writeUInt16BE((off << 3) | (more ? 1 : 0), 2);
        h.writeUInt32BE(id, 4);
        return eth(ETH_IPV6, ipv6(s6, d6, 44, Buffer.concat([h, data])));
      };
      return [
        { t, data: frag(0, true, body.subarray(0, 40)) },
        { t: t + 3, data: frag(5, false, body.subarray(40)) },
      ];
    }
    case 'ipv4-fragments': {
      const body = udp(5001, 9999, rng.bytes(1200), a.ip, b.ip);
      const id = rng.int(0, 0xffff);
      const part = (off: number, more: boolean, data: Buffer): Buffer => eth(ETH_IPV4, ipv4({ src: a.ip, dst: b.ip, proto: 17, id, fragField: (more ? 0x2000 : 0) | (off >> 3) }, data));
      return [
        { t, data: part(0, true, body.subarray(0, 800)) },
        { t: t + 5, data: part(800, false, body.subarray(800)) },
      ];
    }
    case 'bad-udp-length': {
      const u = udp(4444, 53, Buffer.alloc(20), a.ip, b.ip);
      u.writeUInt16BE(4, 4); // < 8, the header alone
      return [{ t, data: eth(ETH_IPV4, ip(rng, a, b, 17, u)) }];
    }
  }
}

function v6(ip: Ip4): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(0x20010db8, 0);
  b.writeUInt16BE(0xbad, 4);
  Buffer.from(ip).copy(b, 12);
  return b;
}
