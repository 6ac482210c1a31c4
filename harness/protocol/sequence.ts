// Classify an incoming state frame's sequence number against the last one
// applied: the next one, a replay of an old one, or a gap needing resync.

export type SeqVerdict = { kind: 'next' } | { kind: 'replay'; last: number } | { kind: 'gap'; expected: number };

export function classifySeq(last: number, seq: number): SeqVerdict {
  if (seq === last + 1) return { kind: 'next' };
  if (seq <= last) return { kind: 'replay', last };
  return { kind: 'gap', expected: last + 1 };
}
