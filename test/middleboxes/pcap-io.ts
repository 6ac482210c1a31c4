// Minimal classic-pcap writing and reading for the on-path middleboxes' behaviour
// tests (little-endian, microseconds, Ethernet: what pcap_dump writes here).
import { readFileSync, writeFileSync } from 'node:fs';

export interface Rec {
  sec: number;
  usec: number;
  data: Buffer;
}

export function writePcap(path: string, recs: Rec[]): void {
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20);
  const parts: Buffer[] = [gh];
  for (const r of recs) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(r.sec, 0);
    h.writeUInt32LE(r.usec, 4);
    h.writeUInt32LE(r.data.length, 8);
    h.writeUInt32LE(r.data.length, 12);
    parts.push(h, r.data);
  }
  writeFileSync(path, Buffer.concat(parts));
}

export function readPcap(path: string): Rec[] {
  const b = readFileSync(path);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${path}: not a little-endian microsecond pcap`);
  const out: Rec[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const cap = b.readUInt32LE(off + 8);
    out.push({ sec: b.readUInt32LE(off), usec: b.readUInt32LE(off + 4), data: b.subarray(off + 16, off + 16 + cap) });
    off += 16 + cap;
  }
  return out;
}
