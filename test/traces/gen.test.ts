// The generator: determinism, exact session mix, and realism checked by an
// independent reader — libpcap/tcpdump verifies checksums and parses DNS — plus
// TCP sequence/ack consistency checked here flow by flow.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePacket, flowKey, parsePcapBuffer, traceInfo } from '../../harness/pcap/index.js';
import { allocate, generatePackets, generateTrace, MALFORMED_KINDS, parseMix } from '../../traces/index.js';
import { StatelabError } from '../../harness/errors.js';
import { haveTcpdump } from '../harness/pcap/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'statelab-gen-'));
const tcpdumpV = (file: string, filter: string[] = []): string => execFileSync('tcpdump', ['-r', file, '-nn', '-vv', ...filter], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }).toString();

describe('trace generator', () => {
  it('is deterministic in its seed', () => {
    const a = generateTrace({ flows: 30, seed: 7 });
    expect(generateTrace({ flows: 30, seed: 7 }).equals(a)).toBe(true);
    expect(generateTrace({ flows: 30, seed: 8 }).equals(a)).toBe(false);
  });

  it('splits sessions by the mix exactly and rejects bad mixes', () => {
    expect(allocate(10, parseMix('tcp=0.6,udp=0.3,icmp=0.1'))).toEqual({ tcp: 6, udp: 3, icmp: 1, scan: 0, synflood: 0 });
    expect(allocate(7, parseMix('tcp=1,udp=1'))).toEqual({ tcp: 4, udp: 3, icmp: 0, scan: 0, synflood: 0 });
    expect(() => parseMix('tcp=x')).toThrow(StatelabError);
    expect(() => parseMix('quic=1')).toThrow(/unknown kind "quic"/);
    expect(() => parseMix('tcp=0')).toThrow(/all weights are zero/);
  });

  it('timestamps never go backwards and only the chosen kinds appear', async () => {
    const file = join(dir, 'dns.pcap');
    writeFileSync(file, generateTrace({ flows: 40, seed: 3, mix: parseMix('udp=1') }));
    const info = await traceInfo(file);
    expect(info.nonMonotonicTimestamps).toBe(0);
    expect(info.transport.tcp).toBe(0);
    expect(info.transport.icmp).toBe(0);
    expect(info.flows.udp).toBe(40);
  });

  it('keeps TCP sequence and acknowledgment numbers consistent in every flow', () => {
    const { records } = parsePcapBuffer(generateTrace({ flows: 120, seed: 11, mix: parseMix('tcp=1') }));
    type Dir = { isn?: number; nxt?: number; maxSent: number };
    const flows = new Map<string, { dirs: Map<string, Dir>; events: string[] }>();
    let retransmissions = 0;
    for (const r of records) {
      const d = decodePacket(r.data, r.linkType);
      const key = flowKey(d)!;
      const from = `${d.src}:${d.sport}`;
      const to = `${d.dst}:${d.dport}`;
      const ihl = (r.data[14] & 0x0f) * 4;
      const th = 14 + ihl;
      const seq = r.data.readUInt32BE(th + 4);
      const ack = r.data.readUInt32BE(th + 8);
      const plen = r.data.readUInt16BE(16) - ihl - (r.data[th + 12] >> 4) * 4;
      const f = flows.get(key) ?? { dirs: new Map<string, Dir>(), events: [] as string[] };
      flows.set(key, f);
      const me = f.dirs.get(from) ?? { maxSent: 0 };
      f.dirs.set(from, me);
      const peer = f.dirs.get(to);
      const flags = d.tcpFlags!;
      if (flags & 0x02) {
        me.isn = seq;
        me.nxt = (seq + 1) >>> 0;
        f.events.push(flags & 0x10 ? 'synack' : 'syn');
        if (flags & 0x10) expect(ack).toBe(peer!.nxt); // SYN/ACK acknowledges the SYN
        continue;
      }
      expect(me.nxt, 'a segment before its SYN').toBeDefined();
      if (plen > 0 && seq !== me.nxt) {
        // Only a retransmission may repeat bytes, and it must lie within what was sent.
        expect(((me.nxt! - seq) >>> 0) <= me.maxSent).toBe(true);
        retransmissions += 1;
      } else {
        expect(seq).toBe(me.nxt);
        me.nxt = (seq + plen + (flags & 0x01 ? 1 : 0)) >>> 0;
        me.maxSent = Math.max(me.maxSent, plen);
      }
      if (flags & 0x10) expect(ack, 'ACK of bytes never sent').toBe(peer!.nxt);
      if (flags & 0x01) f.events.push('fin');
      if (flags & 0x04) f.events.push('rst');
    }
    expect(flows.size).toBe(120);
    expect(retransmissions).toBeGreaterThan(0);
    for (const [k, f] of flows) {
      expect(f.events.slice(0, 2), k).toEqual(['syn', 'synack']);
      const end = f.events.slice(2);
      expect(end.join(','), k).toMatch(/^(fin,fin|rst)$/);
    }
  });

  it.skipIf(!haveTcpdump)('libpcap finds every IP, TCP, UDP and ICMP checksum correct and parses the DNS', () => {
    const file = join(dir, 'mixed.pcap');
    const bytes = generateTrace({ flows: 150, seed: 5, mix: parseMix('tcp=4,udp=3,icmp=1,scan=0.2,synflood=0.1') });
    writeFileSync(file, bytes);
    const text = tcpdumpV(file);
    expect(text).not.toMatch(/bad cksum|\(incorrect|bad udp cksum|\[\|domain\]|malformed/i);
    expect((text.match(/cksum 0x[0-9a-f]{4} \(correct\)/g) ?? []).length).toBeGreaterThan(1000);
    const { records } = parsePcapBuffer(bytes);
    const dnsPackets = records.filter((r) => {
      const d = decodePacket(r.data, 1);
      return d.l4 === 'udp' && (d.sport === 53 || d.dport === 53);
    }).length;
    // tcpdump names every query ("A? name." / "AAAA? name.") and answers the responses.
    const dns = tcpdumpV(file, ['udp', 'port', '53']);
    const queries = (dns.match(/\+ (A|AAAA)\? [a-z.-]+\. \(/g) ?? []).length;
    const answers = (dns.match(/ q: (A|AAAA)\? [a-z.-]+\. \d+\/0\/0 /g) ?? []).length;
    expect(queries).toBe(answers);
    expect(queries + answers).toBe(dnsPackets);
    expect(text).toMatch(/HTTP: GET \/|220 \(vsFTPd 3\.0\.3\)|SSH-2\.0-OpenSSH/);
    expect(text).toMatch(/ICMP echo request/);
    // The oracle is not blind: damage one TCP payload byte and libpcap reports it.
    const broken = Buffer.from(bytes);
    const i = records.findIndex((r) => decodePacket(r.data, 1).l4 === 'tcp' && r.data.length > 100);
    broken[records[i].data.byteOffset - bytes.byteOffset + 90] ^= 0x55;
    writeFileSync(file, broken);
    expect(tcpdumpV(file)).toMatch(/\(incorrect/);
  });

  it('malformed mode yields every kind, each decoded as the kind it is', async () => {
    const file = join(dir, 'bad.pcap');
    writeFileSync(file, generateTrace({ flows: 5, seed: 9, malformed: true }));
    const info = await traceInfo(file);
    expect(MALFORMED_KINDS.length).toBeGreaterThanOrEqual(20);
    // 3 rounds of each kind; these are the ones the decoder must call malformed:
    expect(info.malformedReasons).toEqual({
      'Ethernet header needs N bytes, frame has N': 6, // truncated-ethernet + zero-length
      'IPvN header needs N bytes, N captured': 3,
      'IPvN header length N < N (bad IHL)': 3,
      'IPvN header length N exceeds the N bytes captured': 3,
      'IPvN total length N exceeds the N bytes after the link header': 3,
      'IPvN total length N < header length N': 3,
      'IPvN version field is N': 3,
      'TCP data offset N < N': 3,
      'TCP header length N exceeds the N bytes of segment': 3,
      'TCP header needs N bytes, N present': 3,
      'UDP length N < N': 3,
    });
    expect(info.vlanPackets).toBe(9); // vlan, qinq, vlan-mpls
    expect(info.mplsPackets).toBe(6); // mpls, vlan-mpls
    expect(info.network.arp).toBe(3);
    expect(info.fragments).toBe(6); // the second IPv4 and IPv6 fragments
    expect(info.snappedPackets).toBe(3); // oversized: wire 70000 > snaplen
    expect(info.network.other).toBeGreaterThanOrEqual(12); // LLDP, LLC, and frames too short to say
    const packets = generatePackets({ flows: 5, seed: 9, malformed: true });
    expect(packets.some((p) => p.data.length === 0)).toBe(true);
  });
});
