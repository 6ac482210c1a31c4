// Types of the run controller: how to launch a middlebox in each role, what a
// run is asked to do, and the run record (`statelab run --json`).
import type { Model } from '../protocol/index.js';
import type { Difference } from './equivalence.js';
import type { ResolvedFailover } from './failover-spec.js';
import type { OutputFiles } from './outputs.js';
import type { TraceFacts } from './replay.js';

export type Role = 'single' | 'primary' | 'standby';

/** How to start the middlebox in a role, writing its outputs to `files`; input is `-r <input>`. */
export interface Launcher {
  name: string;
  /** True when primary/standby speak the fd 3/4 frame stream (an instrumented build). */
  instrumented: boolean;
  /**
   * What a frame's `pkt` counts from: 0 when it is the packet's index (protocol README §1),
   * 1 when it is the number of packets processed (the C runtime at this commit).
   */
  pktBase?: 0 | 1;
  command(role: Role, input: string, files: OutputFiles, model: Model): { argv: string[]; cwd: string };
}

/**
 * The failover's steps, each in ms after the failure (the SIGKILL of a crash,
 * the start of a graceful handover); null when the step did not happen.
 */
export interface FailoverBreakdown {
  /** The standby's heartbeat detector (or the controller) declared the primary dead. */
  detectedMs: number | null;
  /** `takeover` written to the standby middlebox (crash) or sent to the standby agent (graceful). */
  takeoverSentMs: number | null;
  /** The standby middlebox reported `live` (it had applied every frame it was given). */
  liveMs: number | null;
  /** The replay of the remaining packets to the standby began. */
  replayStartMs: number | null;
  /** The standby finished its first packet (its first own state frame on fd 3). */
  firstPacketMs: number | null;
  /** Its first output reached its log or packet-output file (= resumeMs). */
  firstOutputMs: number | null;
}

export interface RunOptions {
  launcher: Launcher;
  trace: string;
  model: Model;
  failover: ResolvedFailover;
  /** Folder for outputs (kept when the caller asks; else a temp folder removed at the end). */
  workDir: string;
  heartbeatMs?: number;
  missLimit?: number;
  /** Who may declare the primary dead in a crash: the standby's heartbeats, the controller (process exit), or both. */
  detector?: 'heartbeat' | 'controller' | 'both';
  /** Whole-run limit; processes are killed past it. */
  timeoutMs?: number;
  /** Loopback host for the agents' WebSocket (or a namespace address with --live). */
  host?: string;
  /** Progress lines for long runs. */
  progress?: (line: string) => void;
  /** Agent events, one line each. */
  agentLog?: (line: string) => void;
  /**
   * Reuse the reference single instance's output from an earlier run in this
   * process with the same command and trace (a sweep runs it once, not once
   * per failover point). Off by default: a run checks the build it is given.
   */
  reuseReference?: boolean;
}

export interface ProcessTail {
  role: Role;
  command: string[];
  exit: string;
  stderrTail: string;
}

export interface RunResult {
  middlebox: string;
  trace: string;
  equivalent: boolean;
  firstDifference: Difference | null;
  packets: number;
  failover: ResolvedFailover['kind'];
  failoverAt: number | null;
  model: Model;
  instrumented: boolean;
  /** The standby's last applied seq at takeover and the packet it covers; replay resumed after it. */
  commit: { seq: number; pkt: number; marks: number[]; resumedAt: number } | null;
  stateBytes: { total: number; perPacketMean: number; perPacket: number[] };
  frames: { exported: number; sent: number; acked: number; applied: number; dropped: number; discarded: number; snapshots: number };
  timings: {
    totalMs: number;
    replayMs: number;
    singleMs: number;
    detectionMs: number | null;
    takeoverMs: number | null;
    resumeMs: number | null;
    detectedBy: 'heartbeat' | 'controller' | null;
    /** Where the failover time went; null without failover. */
    breakdown?: FailoverBreakdown | null;
  };
  output: { singleLines: number; singlePackets: number; primaryLines: number; primaryPackets: number; standbyLines: number; standbyPackets: number };
  skipped: TraceFacts['skipped'];
  processes: ProcessTail[];
}
