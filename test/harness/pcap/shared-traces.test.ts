// The reader on every real trace in /work/shared/traces: packet counts against
// the folder's README, and every record against libpcap's own reading.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { encodePcap, parsePcapBuffer, readPcap, traceInfo } from '../../../harness/pcap/index.js';
import { SHARED_TRACES, haveShared, haveTcpdump, libpcapRewrite, num, readmeTable, sharedTraceFiles, tcpdumpCount } from './helpers.js';

describe.skipIf(!haveShared)('real traces in /work/shared/traces', () => {
  const table = haveShared ? readmeTable() : new Map<string, Record<string, string>>();
  const files = sharedTraceFiles();

  it('the README table lists every trace file', () => {
    expect(files.length).toBeGreaterThan(0);
    expect([...table.keys()].sort()).toEqual(files);
  });

  it.each(files)('%s: packet count equals the README and the stream equals the sync path', async (f) => {
    const path = join(SHARED_TRACES, f);
    const { records, stats } = parsePcapBuffer(readFileSync(path), path);
    expect(records.length).toBe(num(table.get(f)!.pkts));
    expect(stats.format).toBe('pcap');
    expect(stats.truncatedTail).toBeUndefined();
    // Streaming with an odd small chunk size splits records everywhere; it must see the same records.
    const streamed = [];
    for await (const r of readPcap(path, { chunkSize: 4093 })) streamed.push(r);
    expect(streamed.length).toBe(records.length);
    for (let i = 0; i < records.length; i += 97) {
      expect(streamed[i].data.equals(records[i].data)).toBe(true);
      expect([streamed[i].tsSec, streamed[i].tsNsec, streamed[i].origLen]).toEqual([records[i].tsSec, records[i].tsNsec, records[i].origLen]);
    }
  });

  it.skipIf(!haveTcpdump).each(files)('%s: every record (time, lengths, bytes) equals libpcap\'s reading', (f) => {
    const path = join(SHARED_TRACES, f);
    const { records, stats } = parsePcapBuffer(readFileSync(path), path);
    const ours = encodePcap(records, { snapLen: stats.interfaces[0].snapLen, linkType: stats.interfaces[0].linkType });
    const theirs = libpcapRewrite(path);
    expect(ours.length).toBe(theirs.length);
    expect(ours.equals(theirs)).toBe(true);
  });

  it.skipIf(!haveTcpdump)('the libpcap comparison catches a reader that is off by one microsecond', () => {
    const path = join(SHARED_TRACES, 'http-simple.pcap');
    const { records, stats } = parsePcapBuffer(readFileSync(path), path);
    const broken = records.map((r, i) => (i === 7 ? { ...r, tsNsec: (r.tsNsec + 1000) % 1e9, tsUsec: undefined } : r));
    const ours = encodePcap(broken, { snapLen: stats.interfaces[0].snapLen });
    expect(ours.equals(libpcapRewrite(path))).toBe(false);
  });

  it('trace info agrees with the README columns', async () => {
    for (const f of files) {
      const row = table.get(f)!;
      const info = await traceInfo(join(SHARED_TRACES, f));
      expect(info.packets, f).toBe(num(row.pkts));
      expect(info.wireBytes + 24 + 16 * info.packets, f).toBe(num(row.bytes));
      expect(Math.abs(info.durationSec - Number(row['duration s'])), f).toBeLessThan(Math.max(0.06, Number(row['duration s']) * 0.01));
      // tshark's conversation counts: ours differ where tshark still counts a packet
      // we call malformed (honeynet: 2 UDP) or splits a reused 4-tuple (ctu-malware: 2 TCP).
      expect(Math.abs(info.flows.tcp - num(row['TCP conv'])), `${f} tcp`).toBeLessThanOrEqual(2);
      expect(Math.abs(info.flows.udp - num(row['UDP conv'])), `${f} udp`).toBeLessThanOrEqual(2);
    }
    const exact = ['nmap-synscan.pcap', 'ftp-bruteforce-1400conns.pcap', 'synflood-spoofed-realworld.pcap', 'synack-reflection-realworld.pcap', 'http-simple.pcap', 'skype-lan-mixed.pcap'];
    for (const f of exact) {
      const info = await traceInfo(join(SHARED_TRACES, f));
      expect([info.flows.tcp, info.flows.udp], f).toEqual([num(table.get(f)!['TCP conv']), num(table.get(f)!['UDP conv'])]);
    }
  });

  it('counts the timestamps that step backwards where the README says they do', async () => {
    const ftp = await traceInfo(join(SHARED_TRACES, 'ftp-bruteforce-1400conns.pcap'));
    expect(ftp.nonMonotonicTimestamps).toBeGreaterThan(0);
    const mono = await traceInfo(join(SHARED_TRACES, 'nmap-synscan.pcap'));
    expect(mono.nonMonotonicTimestamps).toBe(0);
  });

  it.skipIf(!haveTcpdump)('VLAN, MPLS, IPv6 and ARP counts equal libpcap filter counts', async () => {
    for (const f of ['tcpreplay-test-mixed.pcap', 'skype-lan-mixed.pcap', 'ctu-infected-lan-mixed.pcap', 'dns-home.pcap']) {
      const path = join(SHARED_TRACES, f);
      const info = await traceInfo(path);
      expect(info.mplsPackets, f).toBe(tcpdumpCount(path, ['mpls']));
      expect(info.vlanPackets, f).toBe(tcpdumpCount(path, ['vlan']));
      expect(info.network.ipv6, f).toBe(tcpdumpCount(path, ['ip6']) + (f === 'tcpreplay-test-mixed.pcap' ? tcpdumpCount(path, ['mpls', 'and', 'ip6']) : 0));
      expect(info.network.arp, f).toBe(tcpdumpCount(path, ['arp']));
    }
  });
});
