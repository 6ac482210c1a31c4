// `statelab trace info|gen`: summarise a pcap/pcapng trace (table or JSON), or
// generate a seeded synthetic trace, optionally with malformed frames.
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { traceInfo, type TraceInfo } from '../harness/pcap/index.js';
import { usageError, inputError } from '../harness/errors.js';
import { DEFAULT_GEN, DEFAULT_MIX, MALFORMED_KINDS, generateTrace, parseMix, SESSION_KINDS } from '../traces/index.js';

function intOption(name: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw usageError(`${name} must be an integer in ${min}..${max}, got "${v}"`);
  return Number(v);
}

function pct(n: number, total: number): string {
  return total === 0 ? '0%' : `${((100 * n) / total).toFixed(1)}%`;
}

/** The human table: one fact per line, aligned. */
export function formatInfo(i: TraceInfo): string {
  const rows: [string, string][] = [
    ['file', i.file],
    ['format', `${i.format} ${i.version} (${i.endian}, ${i.timestampResolution} timestamps)`],
    ['link type', i.linkTypes.map((l) => `${l.name} (${l.linkType})${i.linkTypes.length > 1 ? ` ×${l.packets}` : ''}`).join(', ')],
    ['snaplen', String(i.snapLen)],
    ['packets', String(i.packets)],
    ['bytes', `${i.capturedBytes} captured, ${i.wireBytes} on the wire`],
    ['first', i.firstTimestamp ?? '-'],
    ['last', i.lastTimestamp ?? '-'],
    ['duration', `${i.durationSec.toFixed(6)} s`],
    ['flows', `${i.flows.total} (tcp ${i.flows.tcp}, udp ${i.flows.udp}; 5-tuples, both directions as one)`],
    ['network', (['ipv4', 'ipv6', 'arp', 'other'] as const).map((k) => `${k} ${i.network[k]} (${pct(i.network[k], i.packets)})`).join(', ')],
    ['transport', (['tcp', 'udp', 'icmp', 'icmpv6', 'other', 'none'] as const).map((k) => `${k} ${i.transport[k]}`).join(', ')],
    ['tcp flags', `syn ${i.tcpFlags.syn}, syn+ack ${i.tcpFlags.synAck}, fin ${i.tcpFlags.fin}, rst ${i.tcpFlags.rst}`],
    ['ipv4 hosts', String(i.ipv4Hosts)],
    ['encapsulation', `vlan ${i.vlanPackets}, mpls ${i.mplsPackets}, ip fragments ${i.fragments}`],
    ['timestamps', `${i.nonMonotonicTimestamps} step${i.nonMonotonicTimestamps === 1 ? '' : 's'} backwards`],
    ['snapped', `${i.snappedPackets} packets cut by the capture length`],
    ['malformed', `${i.malformedPackets} packets`],
  ];
  for (const [reason, n] of Object.entries(i.malformedReasons).sort((a, b) => b[1] - a[1])) rows.push(['', `${n} × ${reason}`]);
  if (i.skippedBlocks > 0) rows.push(['skipped blocks', String(i.skippedBlocks)]);
  if (i.truncatedTail !== null) rows.push(['truncated', `final record at byte ${i.truncatedTail.offset} is incomplete (${i.truncatedTail.got} of ${i.truncatedTail.needed} bytes) and was skipped`]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

export function register(program: Command): void {
  const trace = program.command('trace').description('inspect and generate packet traces (pcap, pcapng)');

  trace
    .command('info')
    .description('summarise a trace: packets, bytes, duration, flows, protocol mix, VLAN/MPLS, disorder, malformed packets')
    .argument('<file>', 'pcap or pcapng file ("-" for stdin)')
    .option('--json', 'print JSON instead of a table')
    .option('--strict', 'treat a truncated final record as an error instead of a warning')
    .action(async (file: string, opts: { json?: boolean; strict?: boolean }) => {
      const info = file === '-' ? await traceInfo(process.stdin, { name: '<stdin>', strict: opts.strict }) : await traceInfo(file, { strict: opts.strict });
      if (info.truncatedTail !== null) process.stderr.write(`statelab: warning: ${info.readerWarnings.find((w) => w.kind === 'truncated-final-record')?.message ?? 'truncated final record'} (${file}, byte ${info.truncatedTail.offset}); record skipped\n`);
      process.stdout.write(opts.json ? JSON.stringify(info, null, 2) + '\n' : formatInfo(info));
    });

  trace
    .command('gen')
    .description(
      'generate a realistic synthetic trace from a seed (same seed, same bytes): TCP (HTTP/FTP/SSH) with handshakes and teardown, DNS, ICMP echo, optional scan and SYN flood',
    )
    .requiredOption('--out <file>', 'output file (.pcapng writes pcapng, anything else classic pcap)')
    .option('--flows <n>', 'number of sessions', String(DEFAULT_GEN.flows))
    .option('--seed <s>', 'PRNG seed (0..4294967295)', String(DEFAULT_GEN.seed))
    .option('--mix <spec>', `session weights, kinds ${SESSION_KINDS.join(', ')}`, Object.entries(DEFAULT_MIX).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`).join(','))
    .option('--malformed', `add malformed and unusual frames (${MALFORMED_KINDS.length} kinds, 3 of each)`)
    .option('--snaplen <n>', 'snap length written in the file', String(DEFAULT_GEN.snapLen))
    .action((opts: { out: string; flows: string; seed: string; mix: string; malformed?: boolean; snaplen: string }) => {
      const flows = intOption('--flows', opts.flows, 0, 1_000_000);
      const seed = intOption('--seed', opts.seed, 0, 0xffffffff);
      const snapLen = intOption('--snaplen', opts.snaplen, 64, 262144);
      const mix = parseMix(opts.mix);
      const bytes = generateTrace({ flows, seed, mix, malformed: opts.malformed === true, snapLen }, opts.out.endsWith('.pcapng') ? 'pcapng' : 'pcap');
      try {
        writeFileSync(opts.out, bytes);
      } catch (err) {
        throw inputError(`cannot write: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file: opts.out });
      }
      const sha = createHash('sha256').update(bytes).digest('hex');
      process.stdout.write(`${opts.out}: ${bytes.length} bytes, sha256 ${sha}\n`);
    });
}
