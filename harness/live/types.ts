// Types of a live run: its options, per-instance counts, the run record's
// `live` section, and the pacing limits.
import type { MboxSpec, ProcessTail, RunOptions, RunResult } from '../run/index.js';
import type { LiveTrace } from './trace.js';

/** The offline run's options that mean the same live, plus what only a live run has. */
export interface LiveOptions extends Pick<RunOptions, 'trace' | 'model' | 'failover' | 'workDir' | 'heartbeatMs' | 'missLimit' | 'detector' | 'timeoutMs'> {
  mbox: MboxSpec;
  /** Packets injected between two checks that the middlebox has taken them all (default 32). */
  window?: number;
  /** Negative control: the standby never imports this variable. */
  dropVar?: string;
  /** Replace the built binaries (tests: a binary that does not exist, to fail mid-run). */
  binaries?: { plain?: string; instrumented?: string };
  progress?: (line: string) => void;
  /** Called once the topology exists (tests look for leftovers by this id). */
  onTopology?: (id: string) => void;
}

/** Per instance: what the harness injected and captured, and what the middlebox says it took. */
export interface LiveCounts {
  injected: number;
  /** From the first injected frame to the middlebox idle after the last (pacing included). */
  injectMs: number;
  /** Packets the instrumented middlebox reports processed (its frames' packet count); null for a plain build. */
  processed: number | null;
  /** Output packets the middlebox sent on its output link (veth counter) and the harness captured. */
  outputSent: number;
  outputCaptured: number;
}

export interface LiveFacts {
  namespaces: string[];
  interHost: string;
  window: number;
  /** Wall-clock numbers masked in log lines before comparison. */
  maskedTimes: number;
  reference: LiveCounts;
  primary: LiveCounts | null;
  standby: LiveCounts | null;
  /** Output packets sent but not captured, over all instances (0 in a sound run). */
  outputLost: number;
  /** Packets captured on an output link that the middlebox did not send (0 in a sound run). */
  outputExtra: number;
  /** Packets injected but not processed by an instrumented instance, where it can tell (0 in a sound run). */
  inputLost: number;
  traceSkipped: LiveTrace['skipped'];
}

export type LiveRunResult = RunResult & { live: LiveFacts };

/** Outputs of one live instance. */
export interface InstanceOut {
  log: string;
  packets: Buffer[];
  counts: LiveCounts;
  tail: ProcessTail;
}

export const START_MS = 10_000;
/**
 * libpcap sizes its ring slots for 64 KiB frames on a veth (offloads on), so its
 * default 2 MiB ring holds about 32 frames: a window must stay well below that
 * (a window of 128 lost packets in the reference run; see README).
 */
export const DEFAULT_WINDOW = 8;
export const MAX_WINDOW = 16;
