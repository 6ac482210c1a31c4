// The bounded pool: never more than `limit` units in flight, results in item order,
// the first failure rejects and stops taking new items.
import { describe, expect, it } from 'vitest';
import { pool } from '../../experiments/pool.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pool', () => {
  it.each([1, 2, 3, 7])('runs at most %i at a time, all items, results in order', async (limit) => {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    const out = await pool(items, limit, async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(1 + ((x * 7) % 5)); // uneven durations: later items finish first
      inFlight--;
      return x * x;
    });
    expect(peak).toBe(Math.min(limit, items.length));
    expect(out).toEqual(items.map((x) => x * x));
  });

  it('rejects with the first failure and starts no new item after it', async () => {
    const started: number[] = [];
    await expect(
      pool([0, 1, 2, 3, 4, 5, 6, 7], 2, async (x) => {
        started.push(x);
        await sleep(2);
        if (x === 2) throw new Error('unit 2 broke');
        return x;
      }),
    ).rejects.toThrow('unit 2 broke');
    expect(started.length).toBeLessThanOrEqual(4);
  });

  it('refuses a limit below 1', async () => {
    await expect(pool([1], 0, async (x) => x)).rejects.toThrow(/positive integer/);
  });

  it('handles no items', async () => {
    expect(await pool([], 3, async (x: number) => x)).toEqual([]);
  });
});
