// Readers over the push parser: a streaming async iterator for files and
// streams, and a synchronous fast path for a trace already in memory.
import { open } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { PcapParser } from './parser.js';
import { pcapError } from './errors.js';
import type { PcapRecord, PcapStats, ReadOptions } from './types.js';

const DEFAULT_CHUNK = 1 << 20;

/** A streaming reader: iterate records (or batches), then read `stats`. */
export interface PcapReader extends AsyncIterable<PcapRecord> {
  /** Records in file order, one array per chunk read; faster than per-record iteration. */
  batches(): AsyncIterable<PcapRecord[]>;
  /** Complete once iteration has finished. */
  readonly stats: PcapStats;
}

/**
 * Stream the records of a pcap or pcapng file (or of a byte stream, named
 * `name` in errors). Memory stays bounded by the chunk size and the largest record.
 */
export function readPcap(source: string | Readable, options: ReadOptions & { name?: string } = {}): PcapReader {
  const name = options.name ?? (typeof source === 'string' ? source : '<stream>');
  const parser = new PcapParser(name, options);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  let used = false;
  async function* batches(): AsyncGenerator<PcapRecord[]> {
    if (used) throw new Error('a PcapReader can be iterated once');
    used = true;
    const chunks = typeof source === 'string' ? fileChunks(source, chunkSize) : (source as AsyncIterable<Buffer>);
    for await (const chunk of chunks) {
      const out: PcapRecord[] = [];
      parser.push(chunk, out);
      if (out.length > 0) yield out;
    }
    parser.end();
  }
  return {
    stats: parser.stats,
    batches,
    [Symbol.asyncIterator]: () => new RecordIterator(batches()[Symbol.asyncIterator]()),
  };
}

/**
 * Per-record iteration over batches without an async generator per record:
 * records of the current batch are handed out as already-resolved promises,
 * which is several times cheaper than `yield*` inside an async generator.
 */
class RecordIterator implements AsyncIterator<PcapRecord> {
  private batch: PcapRecord[] = [];
  private i = 0;
  constructor(private readonly source: AsyncIterator<PcapRecord[]>) {}

  next(): Promise<IteratorResult<PcapRecord>> {
    if (this.i < this.batch.length) return Promise.resolve({ value: this.batch[this.i++], done: false });
    return this.refill();
  }

  private async refill(): Promise<IteratorResult<PcapRecord>> {
    for (;;) {
      const r = await this.source.next();
      if (r.done === true) return { value: undefined, done: true };
      if (r.value.length > 0) {
        this.batch = r.value;
        this.i = 1;
        return { value: r.value[0], done: false };
      }
    }
  }

  async return(): Promise<IteratorResult<PcapRecord>> {
    await this.source.return?.();
    return { value: undefined, done: true };
  }
}

/** Read a file in fresh buffers of `size` bytes (fresh, so records may keep views into them). */
async function* fileChunks(path: string, size: number): AsyncGenerator<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw pcapError(path, 0, `cannot open: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      const { bytesRead } = await fh.read(buf, 0, size, null);
      if (bytesRead === 0) return;
      yield bytesRead < size ? buf.subarray(0, bytesRead) : buf;
    }
  } finally {
    await fh.close();
  }
}

/** Parse a whole trace held in memory; `data` of each record is a view into `buf`. */
export function parsePcapBuffer(buf: Buffer, name = '<buffer>', options: ReadOptions = {}): { records: PcapRecord[]; stats: PcapStats } {
  const parser = new PcapParser(name, options);
  const records: PcapRecord[] = [];
  parser.push(buf, records);
  parser.end();
  return { records, stats: parser.stats };
}

/** Visit every record of an in-memory trace without collecting them (the fastest path; nothing retained). */
export function forEachPcapRecord(buf: Buffer, visit: (r: PcapRecord) => void, name = '<buffer>', options: ReadOptions = {}): PcapStats {
  const parser = new PcapParser(name, options);
  parser.push(buf, { push: visit });
  parser.end();
  return parser.stats;
}

/** Read and parse a whole file synchronously (the fast path for small and medium traces). */
export function readPcapFileSync(path: string, options: ReadOptions = {}): { records: PcapRecord[]; stats: PcapStats } {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw pcapError(path, 0, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parsePcapBuffer(buf, path, options);
}
