// Spawn and wait stages: start a command in its own process group with pipes
// and extra fds, and race every way the run can end (exit, spawn error,
// timeout, abort, terminate(), parent exit), recording the reason once.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Duplex, Readable, Writable } from 'node:stream';
import { StatelabError } from '../errors.js';
import { TailCapture } from './capture.js';
import { track, untrack, type Killable } from './cleanup.js';
import { parentDeathWrapper, resolveCommand } from './resolve-command.js';
import { escalate, signalGroup } from './terminate.js';
import { DEFAULT_SPAWN_OPTIONS, type EndReason, type RunRecord, type SpawnOptions } from './types.js';

export class Subprocess implements Killable {
  readonly command: string[];
  readonly child: ChildProcess | null;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  /** The live stderr stream (also captured into the record). */
  readonly stderrStream: Readable | null;
  /** Extra pipes: fds[0] is the child's fd 3, fds[1] its fd 4, ... */
  readonly fds: Duplex[];
  /** Resolves once with how the run ended; never rejects. */
  readonly done: Promise<RunRecord>;

  private reason: EndReason | null = null;
  private escalated = false;
  private exited = false;
  private readonly started = performance.now();
  private readonly stderr: TailCapture;
  private readonly opts: SpawnOptions & Required<Pick<SpawnOptions, keyof typeof DEFAULT_SPAWN_OPTIONS>>;
  private markExited: () => void = () => {};
  private readonly exitedP = new Promise<void>((r) => (this.markExited = r));
  private timeout: NodeJS.Timeout | undefined;
  private escalation: Promise<boolean> | undefined;
  private onAbort: (() => void) | undefined;

  constructor(command: string[], options: SpawnOptions = {}) {
    if (command.length === 0) throw new StatelabError('E_USAGE', 'no command to run');
    this.command = command;
    this.opts = { ...DEFAULT_SPAWN_OPTIONS, ...options };
    this.stderr = new TailCapture(this.opts.stderrLimitBytes);
    const env = this.opts.env ?? process.env;

    const exe = resolveCommand(command[0]!, env);
    if (exe === null) {
      this.child = null;
      this.stdin = this.stdout = this.stderrStream = null;
      this.fds = [];
      this.done = Promise.resolve(this.record('spawn-error', null, null, `no executable ${command[0]} (not found in PATH, or not executable)`));
      return;
    }
    const wrapper = this.opts.parentDeathSignal ? parentDeathWrapper() : null;
    const argv = wrapper ? [wrapper, '--pdeathsig', 'KILL', '--', exe, ...command.slice(1)] : [exe, ...command.slice(1)];
    const stdio: StdioOptions = [this.opts.stdin, this.opts.stdout, 'pipe', ...Array.from({ length: this.opts.extraFds }, () => 'pipe' as const)];

    const child = spawn(argv[0]!, argv.slice(1), { cwd: this.opts.cwd, env, stdio, detached: true });
    this.child = child;
    this.stdin = child.stdin;
    this.stdout = child.stdout;
    this.stderrStream = child.stderr;
    this.fds = child.stdio.slice(3) as Duplex[];
    if (child.stderr) this.stderr.attach(child.stderr);
    // A peer closing a pipe early must not crash us with EPIPE.
    for (const s of [child.stdin, ...this.fds]) s?.on('error', () => {});

    this.done = new Promise<RunRecord>((resolve) => {
      // 'on', not 'once': a later 'error' without a listener would throw in the parent.
      child.on('error', (err) => {
        // spawn failed (EACCES, ...): there is no process to wait for.
        if (child.pid === undefined) resolve(this.finish('spawn-error', null, null, err.message));
      });
      child.once('exit', (code, signal) => {
        this.exited = true;
        this.markExited();
        const own = signal !== null ? 'signal' : 'exit';
        // stderr may still hold bytes; wait for its end, bounded, since a grandchild may keep it open.
        const settle = child.stderr && !child.stderr.readableEnded ? onceOrAfter(child.stderr, 'end', 200) : Promise.resolve();
        void settle.then(async () => {
          if (this.escalation) await this.escalation;
          resolve(this.finish(own, code, signal));
        });
      });
    });
    if (child.pid !== undefined) track(this);

    if (this.opts.timeoutMs !== undefined) {
      this.timeout = setTimeout(() => void this.terminate('timeout'), this.opts.timeoutMs);
    }
    const signal = this.opts.signal;
    if (signal) {
      this.onAbort = () => void this.terminate('aborted');
      if (signal.aborted) this.onAbort();
      else signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Stop the run: SIGTERM to the group, SIGKILL after the grace period. */
  terminate(reason: EndReason = 'terminated'): Promise<RunRecord> {
    const pid = this.pid;
    if (pid !== null && !this.exited && this.reason === null) {
      this.reason = reason;
      this.escalation = escalate(pid, this.opts.killGraceMs, this.exitedP).then((k) => (this.escalated = k));
    }
    return this.done;
  }

  killOnParentExit(): void {
    const pid = this.pid;
    if (pid === null) return;
    this.reason ??= 'parent-exit';
    signalGroup(pid, 'SIGKILL');
    untrack(this);
  }

  private finish(own: EndReason, code: number | null, signal: NodeJS.Signals | null, error?: string): RunRecord {
    clearTimeout(this.timeout);
    if (this.onAbort) this.opts.signal?.removeEventListener('abort', this.onAbort);
    untrack(this);
    // Sweep the group: a child that exited may have left children of its own.
    const pid = this.pid;
    if (pid !== null) signalGroup(pid, 'SIGKILL');
    return this.record(this.reason ?? own, code, signal, error);
  }

  private record(reason: EndReason, exitCode: number | null, signal: NodeJS.Signals | null, error?: string): RunRecord {
    const r: RunRecord = {
      command: this.command,
      pid: this.pid,
      reason,
      exitCode,
      signal,
      escalated: this.escalated,
      stderr: this.stderr.text(),
      stderrBytes: this.stderr.total,
      stderrTruncated: this.stderr.truncated,
      durationMs: performance.now() - this.started,
    };
    if (error !== undefined) r.error = error;
    return r;
  }
}

function onceOrAfter(stream: Readable, event: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    stream.once(event, done);
    stream.once('close', done);
    function done(): void {
      clearTimeout(t);
      stream.off(event, done);
      stream.off('close', done);
      resolve();
    }
  });
}

/** Start `command` under supervision. */
export function startProcess(command: string[], options?: SpawnOptions): Subprocess {
  return new Subprocess(command, options);
}
