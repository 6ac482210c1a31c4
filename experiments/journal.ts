// The resumable journal of a sweep: `journal.jsonl`, one fsync'd JSON line per
// finished unit of work, keyed by unit id and code stamp, so that an interrupted run
// continues where it stopped and a changed analyzer/harness never reuses old results.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

interface Entry {
  unit: string;
  stamp: string;
  ms: number;
  value: unknown;
}

export class Journal {
  private readonly done = new Map<string, unknown>();
  private fd: number | null = null;
  /** The file ends in a partial line (a run killed mid-write): start the next entry on a new line. */
  private torn = false;
  /** Units answered from the journal / worked in this run. */
  reused = 0;
  worked = 0;

  /** Open `file`; `fresh` discards what it holds. A torn last line (killed mid-write) is ignored. */
  constructor(readonly file: string, readonly stamp: string, fresh = false) {
    if (fresh) rmSync(file, { force: true });
    if (!existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    this.torn = text.length > 0 && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let e: Entry;
      try {
        e = JSON.parse(line) as Entry;
      } catch {
        continue;
      }
      if (e && typeof e.unit === 'string' && e.stamp === stamp && 'value' in e) this.done.set(e.unit, e.value);
    }
  }

  has(unit: string): boolean {
    return this.done.has(unit);
  }

  async unit<T>(unit: string, work: () => Promise<T>): Promise<T> {
    if (this.done.has(unit)) {
      this.reused++;
      return this.done.get(unit) as T;
    }
    const t0 = performance.now();
    const value = await work();
    this.append({ unit, stamp: this.stamp, ms: Math.round(performance.now() - t0), value });
    this.done.set(unit, JSON.parse(JSON.stringify(value ?? null)) as unknown);
    this.worked++;
    return value;
  }

  private append(e: Entry): void {
    this.fd ??= openSync(this.file, 'a');
    writeSync(this.fd, (this.torn ? '\n' : '') + JSON.stringify(e) + '\n');
    this.torn = false;
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
