// The equivalence checker (DESIGN §5): the output of one instance over the whole
// trace must equal the primary's committed output followed by the standby's.
// Logs compare line by line, packet output record by record (bytes, lengths,
// timestamps); the first difference is reported with context.
import type { PcapRecord } from '../pcap/index.js';

/** One output packet as compared: what a pcap record carries. */
export interface OutPacket {
  tsSec: number;
  tsUsec: number;
  origLen: number;
  data: Buffer;
}

export interface LogDifference {
  kind: 'log';
  /** 1-based line number in the single instance's log (= in the concatenated pair log). */
  line: number;
  expected: string | null;
  actual: string | null;
  /** Which side of the pair the differing line came from (primary's committed part or the standby's). */
  side: 'primary' | 'standby' | 'end';
  /** A few lines around the difference, each prefixed ' ' (same), '-' (single) or '+' (pair). */
  context: string[];
}

export interface PacketDifference {
  kind: 'packet';
  /** 0-based index among output packets. */
  index: number;
  side: 'primary' | 'standby' | 'end';
  /** What differs: missing/extra packet, timestamp, length, or bytes. */
  what: 'missing' | 'extra' | 'timestamp' | 'length' | 'bytes';
  expected: { tsSec: number; tsUsec: number; origLen: number; capLen: number } | null;
  actual: { tsSec: number; tsUsec: number; origLen: number; capLen: number } | null;
  /** First differing byte offset (bytes/length only). */
  offset?: number;
  /** Hex of both sides from a little before the first differing byte. */
  hex?: { expected: string; actual: string; from: number };
}

export type Difference = LogDifference | PacketDifference;

const CONTEXT_LINES = 3;
const HEX_BEFORE = 8;
const HEX_LEN = 32;

/** Split a log into lines; a final newline does not make an extra empty line. */
export function logLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Compare the single instance's log with the pair's: `primary` (committed) then
 * `standby`. Returns null when equal, else the first differing line.
 */
export function compareLogs(single: string[], primary: string[], standby: string[]): LogDifference | null {
  const pair = primary.concat(standby);
  const n = Math.max(single.length, pair.length);
  for (let i = 0; i < n; i++) {
    if (single[i] === pair[i]) continue;
    const context: string[] = [];
    for (let j = Math.max(0, i - CONTEXT_LINES); j < i; j++) context.push(` ${single[j]}`);
    for (let j = i; j < Math.min(single.length, i + CONTEXT_LINES + 1); j++) context.push(`-${single[j]}`);
    for (let j = i; j < Math.min(pair.length, i + CONTEXT_LINES + 1); j++) context.push(`+${pair[j]}`);
    return {
      kind: 'log',
      line: i + 1,
      expected: single[i] ?? null,
      actual: pair[i] ?? null,
      side: i < primary.length ? 'primary' : i < pair.length ? 'standby' : 'end',
      context,
    };
  }
  return null;
}

function meta(p: OutPacket): { tsSec: number; tsUsec: number; origLen: number; capLen: number } {
  return { tsSec: p.tsSec, tsUsec: p.tsUsec, origLen: p.origLen, capLen: p.data.length };
}

function hexAround(a: Buffer, b: Buffer, at: number): { expected: string; actual: string; from: number } {
  const from = Math.max(0, at - HEX_BEFORE);
  return { expected: a.subarray(from, from + HEX_LEN).toString('hex'), actual: b.subarray(from, from + HEX_LEN).toString('hex'), from };
}

/** Compare output packets: single instance vs primary (committed) then standby. */
export function comparePackets(single: readonly OutPacket[], primary: readonly OutPacket[], standby: readonly OutPacket[]): PacketDifference | null {
  const n = Math.max(single.length, primary.length + standby.length);
  for (let i = 0; i < n; i++) {
    const e = single[i];
    const a = i < primary.length ? primary[i] : standby[i - primary.length];
    const side = i < primary.length ? 'primary' : i < primary.length + standby.length ? 'standby' : 'end';
    const base = { kind: 'packet' as const, index: i, side: side as PacketDifference['side'] };
    if (!e && a) return { ...base, what: 'extra', expected: null, actual: meta(a) };
    if (e && !a) return { ...base, what: 'missing', expected: meta(e), actual: null };
    if (!e || !a) continue;
    const cmp = Math.min(e.data.length, a.data.length);
    let off = -1;
    for (let k = 0; k < cmp; k++) {
      if (e.data[k] !== a.data[k]) {
        off = k;
        break;
      }
    }
    if (off >= 0) return { ...base, what: 'bytes', expected: meta(e), actual: meta(a), offset: off, hex: hexAround(e.data, a.data, off) };
    if (e.data.length !== a.data.length || e.origLen !== a.origLen) {
      return { ...base, what: 'length', expected: meta(e), actual: meta(a), offset: cmp, hex: hexAround(e.data, a.data, cmp) };
    }
    if (e.tsSec !== a.tsSec || e.tsUsec !== a.tsUsec) return { ...base, what: 'timestamp', expected: meta(e), actual: meta(a) };
  }
  return null;
}

/** Copy records out of a reader's buffer into comparable packets. */
export function toOutPackets(records: readonly PcapRecord[]): OutPacket[] {
  return records.map((r) => ({ tsSec: r.tsSec, tsUsec: r.tsUsec, origLen: r.origLen, data: Buffer.from(r.data) }));
}

/** One human-readable paragraph for stderr. */
export function describeDifference(d: Difference): string {
  if (d.kind === 'log') {
    const head = `first difference: log line ${d.line} (${d.side} side)\n  single: ${d.expected ?? '<end of log>'}\n  pair:   ${d.actual ?? '<end of log>'}`;
    return `${head}\n  context:\n${d.context.map((l) => `    ${l}`).join('\n')}`;
  }
  const m = (x: PacketDifference['expected']): string => (x ? `ts ${x.tsSec}.${String(x.tsUsec).padStart(6, '0')} len ${x.capLen}/${x.origLen}` : '<none>');
  let s = `first difference: output packet ${d.index} (${d.side} side): ${d.what}\n  single: ${m(d.expected)}\n  pair:   ${m(d.actual)}`;
  if (d.hex) s += `\n  bytes from offset ${d.hex.from} (first differing at ${d.offset}):\n    single: ${d.hex.expected}\n    pair:   ${d.hex.actual}`;
  return s;
}
