// Parsing of `--failover none|graceful@K|crash@K|random` and resolving
// `random` with a seeded generator, so a run is reproducible from its record.
import { usageError } from '../errors.js';

export type FailoverSpec = { kind: 'none' } | { kind: 'graceful' | 'crash'; at: number } | { kind: 'random' };
export type ResolvedFailover = { kind: 'none' } | { kind: 'graceful' | 'crash'; at: number };

export function parseFailover(s: string): FailoverSpec {
  if (s === 'none' || s === 'random') return { kind: s };
  const m = /^(graceful|crash)@(\d{1,15})$/.exec(s);
  if (!m) throw usageError(`--failover must be none, graceful@K, crash@K or random, got "${s}"`);
  return { kind: m[1] as 'graceful' | 'crash', at: Number(m[2]) };
}

/** mulberry32: small, fast, well-distributed; enough for choosing failover points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `random`: graceful or crash with equal odds, at a packet in [1, packets-1]
 * (so both instances see at least one packet). K must lie inside the trace.
 */
export function resolveFailover(spec: FailoverSpec, packets: number, seed: number): ResolvedFailover {
  if (spec.kind === 'none') return spec;
  if (spec.kind === 'random') {
    if (packets < 2) throw usageError(`--failover random needs a trace of at least 2 packets (this one has ${packets})`);
    const r = seededRandom(seed);
    const kind = r() < 0.5 ? 'graceful' : 'crash';
    return { kind, at: 1 + Math.floor(r() * (packets - 1)) };
  }
  if (spec.at > packets) throw usageError(`--failover ${spec.kind}@${spec.at}: the trace has only ${packets} packets`);
  return spec;
}
