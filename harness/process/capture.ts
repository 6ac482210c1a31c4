// Stdio stage: keep the tail of a stream (stderr) within a byte limit and
// count everything, so a chatty process cannot grow the record without bound.
import type { Readable } from 'node:stream';

export class TailCapture {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(private readonly limit: number) {}

  attach(stream: Readable): void {
    stream.on('data', (c: Buffer) => this.add(c));
  }

  add(c: Buffer): void {
    this.total += c.length;
    this.chunks.push(c);
    this.kept += c.length;
    while (this.kept - this.chunks[0]!.length >= this.limit) this.kept -= this.chunks.shift()!.length;
  }

  get truncated(): boolean {
    return this.total > this.limit;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}
