// Types of harness/process: spawn options and the run record that says, once,
// how a supervised process ended.

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  stdin?: 'pipe' | 'ignore' | 'inherit';
  stdout?: 'pipe' | 'ignore' | 'inherit';
  /** How many extra duplex pipes to open at fd 3, 4, ... (state frames). */
  extraFds?: number;
  /** Kill the process (TERM, then KILL) if it runs longer than this. */
  timeoutMs?: number;
  /** Delay between SIGTERM and SIGKILL when terminating. */
  killGraceMs?: number;
  /** How much of stderr's tail the record keeps. */
  stderrLimitBytes?: number;
  /** Aborting terminates the process with reason 'aborted'. */
  signal?: AbortSignal;
  /** Also kill the child if this Node process dies by SIGKILL (Linux setpriv --pdeathsig). */
  parentDeathSignal?: boolean;
}

export const DEFAULT_SPAWN_OPTIONS = {
  stdin: 'pipe',
  stdout: 'pipe',
  extraFds: 0,
  killGraceMs: 2_000,
  stderrLimitBytes: 64 * 1024,
  parentDeathSignal: true,
} as const;

/** How a run ended; the first cause observed wins and is never overwritten. */
export type EndReason =
  | 'exit' // exited by itself with a status
  | 'signal' // killed by a signal we did not send
  | 'timeout' // we killed it: timeoutMs passed
  | 'aborted' // we killed it: the AbortSignal fired
  | 'terminated' // we killed it: terminate() was called
  | 'parent-exit' // we killed it: this Node process is exiting
  | 'spawn-error'; // it never started

export interface RunRecord {
  command: string[];
  pid: number | null;
  reason: EndReason;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when SIGTERM was not enough and SIGKILL was sent. */
  escalated: boolean;
  stderr: string;
  stderrBytes: number;
  stderrTruncated: boolean;
  durationMs: number;
  /** Spawn failure message, if any. */
  error?: string;
}
