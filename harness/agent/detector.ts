// The standby's heartbeat failure detector: the primary is dead after
// missLimit × heartbeatMs of silence *during which our own event loop ran*.
// Time our loop spent stalled (GC, a long callback, the process descheduled
// on a loaded host) is measured from the detector's own timer lateness and
// not counted as the primary's silence: we could not have read its frames.

export interface DetectorOptions {
  heartbeatMs: number;
  missLimit: number;
  /** performance.now() of the last frame received from the peer. */
  lastSeen: () => number;
  /** Called once: wall-clock silence and the part of it our loop was stalled. */
  onDead: (silentMs: number, stalledMs: number) => void;
  /** Timer that dies with the session (Connection.setTimer). */
  setTimer: (fn: () => void, ms: number) => NodeJS.Timeout;
}

/**
 * Lateness of a tick beyond this is a stall of our loop. Ordinary timer
 * jitter stays below it and is not credited, so a loaded but running loop
 * still detects on time.
 */
export function stallSlackMs(heartbeatMs: number): number {
  return Math.max(2, heartbeatMs / 2);
}

export class SilenceDetector {
  /** Stalled time of our own loop since the peer's last frame. */
  stalledMs = 0;
  /** Largest single stall seen (for logs and tests). */
  maxStallMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private dueAt = 0;
  private seenRef: number;
  private stopped = false;
  private readonly deadline: number;
  private readonly slack: number;

  constructor(private readonly o: DetectorOptions) {
    this.deadline = o.heartbeatMs * o.missLimit;
    this.slack = stallSlackMs(o.heartbeatMs);
    this.seenRef = o.lastSeen();
    this.arm(Math.min(o.heartbeatMs, this.deadline));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Silence that counts: wall time since the last frame minus our own stalls since then. */
  effectiveSilence(now = performance.now()): number {
    return now - this.o.lastSeen() - this.stalledMs;
  }

  private arm(ms: number): void {
    this.dueAt = performance.now() + ms;
    this.timer = this.o.setTimer(() => this.tick(), ms);
  }

  private tick(settled = false): void {
    if (this.stopped) return;
    const now = performance.now();
    const seen = this.o.lastSeen();
    if (seen !== this.seenRef) {
      // A frame arrived: stalls before it are irrelevant.
      this.seenRef = seen;
      this.stalledMs = 0;
    }
    if (!settled) {
      const late = now - this.dueAt;
      if (late > this.slack) {
        // Only the part of the stall after the last frame hid the peer from us.
        const stall = now - Math.max(this.dueAt, seen);
        if (stall > 0) this.stalledMs += stall;
        this.maxStallMs = Math.max(this.maxStallMs, late);
      }
    }
    const silent = this.effectiveSilence(now);
    if (silent < this.deadline) {
      // Tick at least every heartbeat so that every stall of our loop is measured.
      this.arm(Math.max(1, Math.min(this.o.heartbeatMs, this.deadline - silent)));
      return;
    }
    if (!settled) {
      // Timers run before I/O is polled: frames may be waiting unread. Look once
      // more after the poll phase before calling the peer dead.
      setImmediate(() => this.tick(true));
      return;
    }
    this.stopped = true;
    this.o.onDead(now - seen, this.stalledMs);
  }
}
