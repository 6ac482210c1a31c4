// A FIFO worklist that holds each item at most once (the WPASolver idiom):
// pushing an item already queued is a no-op, so fixpoint loops stay linear per change.

export class Worklist<T> {
  private readonly queue: T[] = [];
  private head = 0;
  private readonly queued = new Set<T>();

  constructor(items: Iterable<T> = []) {
    for (const x of items) this.push(x);
  }

  push(x: T): boolean {
    if (this.queued.has(x)) return false;
    this.queued.add(x);
    this.queue.push(x);
    return true;
  }

  pop(): T | undefined {
    if (this.head >= this.queue.length) return undefined;
    const x = this.queue[this.head++]!;
    this.queued.delete(x);
    // Compact now and then so a long-running loop does not keep every item ever pushed.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return x;
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  isEmpty(): boolean {
    return this.length === 0;
  }
}

/** Runs `step` until the worklist is empty; `step` may push more items. */
export function solve<T>(initial: Iterable<T>, step: (item: T, wl: Worklist<T>) => void): void {
  const wl = new Worklist(initial);
  for (let x = wl.pop(); x !== undefined; x = wl.pop()) step(x, wl);
}
