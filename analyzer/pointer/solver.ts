// The generic worklist solver (SVF's WPASolver): a FIFO of nodes whose points-to sets grew,
// and one hook, processNode, that a concrete analysis fills in.
import type { NodeId } from './graph.js';

export abstract class WorklistSolver {
  private queue: NodeId[] = [];
  private head = 0;
  private readonly queued: boolean[] = [];
  iterations = 0;

  protected push(n: NodeId): void {
    if (this.queued[n]) return;
    this.queued[n] = true;
    this.queue.push(n);
  }

  /** Run until no node has unpropagated points-to facts. */
  solve(): void {
    while (this.head < this.queue.length) {
      const n = this.queue[this.head++]!;
      this.queued[n] = false;
      if (this.head > 1 << 16 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.iterations++;
      this.processNode(n);
    }
  }

  protected abstract processNode(n: NodeId): void;
}
