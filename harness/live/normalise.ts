// Live capture stamps packets with the wall clock, not the trace's times, so
// the reference and the pair log different times for the same packet: mask
// every number that reads as a wall-clock time of this run before comparing.

/** Numbers with an optional fraction: `1700000000.410390`, `,1700000000`. */
const NUMBER = /(?<![\d.])\d{9,11}(?:\.\d{1,9})?(?![\d.])/g;

/**
 * Replace each number whose value lies within [fromSec, toSec] (seconds since
 * the epoch: the run's own wall-clock window) by `<time>`. Counters and
 * addresses never fall in that window; trace-time stamps do not either.
 */
export function maskWallClock(line: string, fromSec: number, toSec: number): { line: string; masked: number } {
  let masked = 0;
  const out = line.replace(NUMBER, (m) => {
    const v = Number(m);
    if (v >= fromSec && v <= toSec) {
      masked++;
      return '<time>';
    }
    return m;
  });
  return { line: out, masked };
}
