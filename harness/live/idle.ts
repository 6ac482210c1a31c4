// Injection pacing: a live middlebox has taken every packet sent so far once
// its receiving thread sleeps in poll() (libpcap polls only when its ring is
// empty). Read from /proc (wchan), so it works for plain and instrumented builds.
import { readdirSync, readFileSync } from 'node:fs';

/** True when some thread of `pid` sleeps in poll/ppoll and none is runnable; 'gone' when it has exited. */
export function isIdle(pid: number): boolean | 'gone' {
  let polling = false;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
    // A zombie has no threads left to take packets.
    if (/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return 'gone';
  } catch {
    return 'gone';
  }
  for (const tid of tids) {
    let stat: string;
    let wchan: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      wchan = readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    // Field 3, after the parenthesised command name.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'R') return false;
    if (/poll/.test(wchan)) polling = true;
  }
  return polling;
}

/**
 * Resolve once `pid` has been idle on two looks at least `gapMs` apart (a
 * packet whose delivery the kernel deferred to ksoftirqd wakes it in between);
 * reject after `timeoutMs`.
 */
export async function waitIdle(pid: number, o: { gapMs?: number; timeoutMs?: number; what?: string } = {}): Promise<void> {
  const gap = o.gapMs ?? 1;
  const end = performance.now() + (o.timeoutMs ?? 10_000);
  let seen = 0;
  for (;;) {
    const idle = isIdle(pid);
    if (idle === 'gone') throw new Error(`${o.what ?? `process ${pid}`} has exited`);
    if (idle) {
      if (++seen >= 2) return;
    } else seen = 0;
    if (performance.now() > end) throw new Error(`${o.what ?? `process ${pid}`} did not become idle within ${o.timeoutMs ?? 10_000} ms (still taking packets or blocked elsewhere)`);
    await new Promise((r) => setTimeout(r, gap));
  }
}
