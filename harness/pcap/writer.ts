// Streaming trace writer (classic pcap, or pcapng with one interface) onto any
// Writable, honouring backpressure, plus a one-call file writer.
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import {
  encodeEpb,
  encodeIdb,
  encodePcapHeader,
  encodePcapRecordInto,
  encodeShb,
  packetUnits,
  resolveHeaderOptions,
  type PacketToWrite,
  type PcapHeaderOptions,
} from './encode.js';
import type { PcapFormat } from './types.js';
import { inputError } from '../errors.js';

export interface WriterOptions extends PcapHeaderOptions {
  format?: PcapFormat;
}

/** Batches records into ~64 KiB writes; `write` resolves when the sink can take more. */
export class PcapWriter {
  private readonly sink: Writable;
  private readonly opts: Required<PcapHeaderOptions>;
  private readonly format: PcapFormat;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private closed = false;
  packets = 0;

  constructor(sink: Writable, options: WriterOptions = {}) {
    this.sink = sink;
    this.opts = resolveHeaderOptions(options);
    this.format = options.format ?? 'pcap';
    if (this.format === 'pcap') this.parts.push(encodePcapHeader(this.opts));
    else {
      this.parts.push(encodeShb(this.opts.endian));
      this.parts.push(encodeIdb({ linkType: this.opts.linkType, snapLen: this.opts.snapLen, tsresol: this.opts.nanosecond ? 9 : 6 }, this.opts.endian));
    }
  }

  async write(p: PacketToWrite): Promise<void> {
    if (this.closed) throw new Error('PcapWriter.write after close');
    let rec: Buffer;
    if (this.format === 'pcap') {
      rec = Buffer.allocUnsafe(16 + Math.min(p.data.length, this.opts.snapLen));
      encodePcapRecordInto(rec, 0, p, this.opts);
    } else {
      const data = p.data.length > this.opts.snapLen ? p.data.subarray(0, this.opts.snapLen) : p.data;
      rec = encodeEpb(0, packetUnits(p, this.opts.nanosecond), data, Math.max(p.origLen ?? p.data.length, data.length), this.opts.endian);
    }
    this.parts.push(rec);
    this.partBytes += rec.length;
    this.packets += 1;
    if (this.partBytes >= 1 << 16) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const buf = Buffer.concat(this.parts);
    this.parts = [];
    this.partBytes = 0;
    if (!this.sink.write(buf)) await once(this.sink, 'drain');
  }

  /** Flush and end the sink; resolves once it has finished (or rejects with its error). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    const done = Promise.race([once(this.sink, 'finish'), once(this.sink, 'close')]);
    this.sink.end();
    await done;
  }
}

/** Write packets (sync or async iterable) to a file. */
export async function writePcapFile(path: string, packets: Iterable<PacketToWrite> | AsyncIterable<PacketToWrite>, options: WriterOptions = {}): Promise<number> {
  const sink = createWriteStream(path);
  const failed = once(sink, 'error').then(([err]) => {
    throw inputError(`cannot write: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file: path }, err);
  });
  failed.catch(() => undefined);
  const w = new PcapWriter(sink, options);
  const work = (async () => {
    for await (const p of packets) await w.write(p);
    await w.close();
  })();
  await Promise.race([work, failed]);
  return w.packets;
}
