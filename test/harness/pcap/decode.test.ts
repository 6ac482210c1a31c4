// Packet decoding: frames written out in hex by hand (VLAN, QinQ, MPLS, IPv6
// extension headers, fragments, cooked and raw link types), snapped vs
// malformed, flow keys, and no exception on arbitrary bytes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodePacket, flowKey, LINKTYPE, traceInfo } from '../../../harness/pcap/index.js';
import { haveTcpdump, tcpdumpCount } from './helpers.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MACS = '001122334455 66778899aabb';
// IPv4 192.168.0.1 → 192.168.0.2, TCP 1234 → 80 SYN, 40 bytes in all.
const IP_TCP = '4500 0028 1234 4000 4006 0000 c0a80001 c0a80002' + '04d2 0050 00000001 00000000 5002 ffff 0000 0000';

describe('decodePacket', () => {
  it('decodes Ethernet / IPv4 / TCP', () => {
    const d = decodePacket(hex(MACS + '0800' + IP_TCP), LINKTYPE.ETHERNET);
    expect(d).toMatchObject({ l3: 'ipv4', l4: 'tcp', src: '192.168.0.1', dst: '192.168.0.2', sport: 1234, dport: 80, tcpFlags: 0x02, vlanTags: 0, mplsLabels: 0 });
    expect(d.malformed).toBeUndefined();
  });

  it('unwraps 802.1ad + 802.1Q tags', () => {
    const d = decodePacket(hex(MACS + '88a8 0064 8100 00c8 0800' + IP_TCP), LINKTYPE.ETHERNET);
    expect(d).toMatchObject({ vlanTags: 2, l3: 'ipv4', l4: 'tcp', dport: 80 });
  });

  it('unwraps an MPLS label stack to the IPv4 packet under it', () => {
    const d = decodePacket(hex(MACS + '8847 00001040 00002140' + IP_TCP), LINKTYPE.ETHERNET);
    expect(d).toMatchObject({ mplsLabels: 2, l3: 'ipv4', l4: 'tcp', sport: 1234 });
  });

  it('walks IPv6 extension headers to UDP, and stops at a non-first fragment', () => {
    const v6 = (next: string, body: string): string => `6000 0000 ${(body.length / 2).toString(16).padStart(4, '0')} ${next}40 ${'20010db8000000000000000000000001'} ${'20010db8000000000000000000000002'}` + body;
    const hbh = '3c00 0000 0000 0000'; // next: destination options, 8 bytes
    const dst = '1100 0104 0000 0000'; // next: UDP, PadN
    const udp = '0035 d431 000c 0000 61626364';
    const d = decodePacket(hex(MACS + '86dd' + v6('00', (hbh + dst + udp).replace(/\s/g, ''))), LINKTYPE.ETHERNET);
    expect(d).toMatchObject({ l3: 'ipv6', l4: 'udp', proto: 17, sport: 53, dport: 54321, fragment: false });
    const frag = '1100 0029 0000 0001'; // next UDP, offset 5 (×8), more fragments
    const f = decodePacket(hex(MACS + '86dd' + v6('2c', (frag + '0102030405060708').replace(/\s/g, ''))), LINKTYPE.ETHERNET);
    expect(f).toMatchObject({ l3: 'ipv6', l4: 'udp', fragment: true });
    expect(f.sport).toBeUndefined();
    expect(flowKey(f)).toBeUndefined();
  });

  it('reads raw IP, Linux cooked and BSD loopback link types', () => {
    expect(decodePacket(hex(IP_TCP), LINKTYPE.RAW)).toMatchObject({ l3: 'ipv4', dport: 80 });
    expect(decodePacket(hex('0000 0001 0006 001122334455 0000 0800' + IP_TCP), LINKTYPE.LINUX_SLL)).toMatchObject({ l3: 'ipv4', dport: 80 });
    expect(decodePacket(hex('02000000' + IP_TCP), LINKTYPE.NULL)).toMatchObject({ l3: 'ipv4', dport: 80 });
    expect(decodePacket(hex('ffff'), 147)).toMatchObject({ l3: 'other', l4: 'none' });
  });

  it('calls a header cut by the snaplen "snapped" and a lying header "malformed"', () => {
    const frame = hex(MACS + '0800' + IP_TCP);
    const cut = frame.subarray(0, 14 + 10);
    const snapped = decodePacket(cut, 1, frame.length);
    expect(snapped.snapped).toBe(true);
    expect(snapped.malformed).toBeUndefined();
    expect(decodePacket(cut, 1, cut.length).malformed).toBe('IPv4 header needs 20 bytes, 10 captured');
    const badIhl = Buffer.from(frame);
    badIhl[14] = 0x43;
    expect(decodePacket(badIhl, 1).malformed).toBe('IPv4 header length 12 < 20 (bad IHL)');
    const badOff = Buffer.from(frame);
    badOff[14 + 20 + 12] = 0x20;
    expect(decodePacket(badOff, 1).malformed).toBe('TCP data offset 2 < 5');
    const longTotal = Buffer.from(frame);
    longTotal.writeUInt16BE(1000, 16);
    expect(decodePacket(longTotal, 1).malformed).toBe('IPv4 total length 1000 exceeds the 40 bytes after the link header');
  });

  it('gives both directions of a flow the same key, and different flows different keys', () => {
    const fwd = decodePacket(hex(MACS + '0800' + IP_TCP), 1);
    const rev = decodePacket(hex(MACS + '0800' + '4500 0028 1234 4000 4006 0000 c0a80002 c0a80001 0050 04d2 00000001 00000001 5012 ffff 0000 0000'), 1);
    const other = decodePacket(hex(MACS + '0800' + '4500 0028 1234 4000 4006 0000 c0a80002 c0a80001 0050 04d3 00000001 00000001 5012 ffff 0000 0000'), 1);
    expect(flowKey(fwd)).toBe(flowKey(rev));
    expect(flowKey(fwd)).not.toBe(flowKey(other));
  });

  it('never throws on arbitrary bytes of any link type', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(0, 1, 101, 108, 113, 228, 229, 276, 9999), fc.nat({ max: 200 }), (bytes, lt, extra) => {
        const b = Buffer.from(bytes);
        const d = decodePacket(b, lt, b.length + (extra % 2 === 0 ? 0 : extra));
        expect(['ipv4', 'ipv6', 'arp', 'other']).toContain(d.l3);
      }),
      { numRuns: 3000, seed: 66 },
    );
    // Valid prefixes with random tails reach the deeper decoders more often than random bytes do.
    fc.assert(
      fc.property(fc.constantFrom(MACS + '0800' + IP_TCP, MACS + '8100 0001 86dd 6000 0000 0014 0640', MACS + '8847 00001140 45'), fc.nat({ max: 80 }), fc.uint8Array({ maxLength: 60 }), (pre, cut, tail) => {
        const b = Buffer.concat([hex(pre).subarray(0, cut), Buffer.from(tail)]);
        decodePacket(b, 1);
      }),
      { numRuns: 3000, seed: 67 },
    );
  });
});

describe.skipIf(!haveTcpdump)('decoder against libpcap on the committed malformed trace', () => {
  it('VLAN, MPLS, ARP and IPv6 counts equal tcpdump filter counts', async () => {
    const path = 'traces/malformed.pcap';
    const info = await traceInfo(path);
    expect(info.vlanPackets).toBe(tcpdumpCount(path, ['vlan']));
    expect(info.mplsPackets).toBe(tcpdumpCount(path, ['mpls']) + tcpdumpCount(path, ['vlan', 'and', 'mpls']));
    expect(info.network.arp).toBe(tcpdumpCount(path, ['arp']));
    expect(info.network.ipv6).toBe(tcpdumpCount(path, ['ip6']));
    expect(info.packets).toBe(tcpdumpCount(path));
  });
});
