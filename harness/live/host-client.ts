// The controller's handle on one host process (host.ts) running inside a
// network namespace: start it with `ip netns exec`, send commands, hear and
// wait for its events, kill it as a dead host would die.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { signalGroup, startProcess, type RunRecord, type Subprocess } from '../process/index.js';
import { StatelabError } from '../errors.js';
import type { HostCommand, HostConfig, HostEvent } from './host.js';

/** host.js beside this module when running from dist; the built copy when running from sources (tests). */
export function hostScript(): string {
  const here = fileURLToPath(import.meta.url);
  const candidates = here.endsWith('.js') ? [join(dirname(here), 'host.js')] : [join(dirname(here), '..', '..', 'dist', 'harness', 'live', 'host.js')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new StatelabError('E_PROCESS', `live replay needs the built host program (${candidates[0]}): run \`npm run build\` first`);
}

export class HostClient extends EventEmitter<{ event: [HostEvent] }> {
  readonly sp: Subprocess;
  readonly events: HostEvent[] = [];
  /** Pid of the middlebox inside the host (same pid in every namespace: no pid namespace). */
  mboxPid: number | null = null;
  /** The last few KiB of the host's stderr (its agent's log) so far. */
  stderr = '';
  /** Resolves when the host's stdout ends (every event it wrote has been heard). */
  readonly ended: Promise<void>;

  constructor(
    readonly role: 'primary' | 'standby',
    ns: string,
    config: HostConfig,
    timeoutMs: number,
  ) {
    super();
    this.sp = startProcess(['ip', 'netns', 'exec', ns, process.execPath, hostScript()], { stdin: 'pipe', stdout: 'pipe', timeoutMs, killGraceMs: 500 });
    this.sp.stdin?.write(JSON.stringify(config) + '\n');
    this.sp.stderrStream?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString('utf8')).slice(-4000);
    });
    const out = this.sp.stdout;
    this.ended = new Promise((resolve) => {
      if (!out) return resolve();
      const rl = createInterface({ input: out });
      rl.on('line', (line) => {
        let e: HostEvent;
        try {
          e = JSON.parse(line) as HostEvent;
        } catch {
          return; // not ours (a library writing to stdout): ignore
        }
        if (e.ev === 'mbox') this.mboxPid = e.pid;
        this.events.push(e);
        this.emit('event', e);
      });
      rl.on('close', () => resolve());
    });
  }

  send(c: HostCommand): void {
    if (this.sp.stdin && !this.sp.stdin.writableEnded) this.sp.stdin.write(JSON.stringify(c) + '\n');
  }

  /** The first event (already heard or still to come) that `match` accepts; rejects on timeout or the host's end. */
  waitFor<T extends HostEvent>(match: (e: HostEvent) => e is T, ms: number, what: string): Promise<T>;
  waitFor(match: (e: HostEvent) => boolean, ms: number, what: string): Promise<HostEvent>;
  waitFor(match: (e: HostEvent) => boolean, ms: number, what: string): Promise<HostEvent> {
    const had = this.events.find(match);
    if (had) return Promise.resolve(had);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => finish(new StatelabError('E_PROCESS', `${this.role} host: ${what}: nothing within ${ms} ms${this.lastError()}`)), ms);
      const on = (e: HostEvent): void => {
        if (match(e)) finish(null, e);
      };
      const gone = (r: RunRecord): void => finish(new StatelabError('E_PROCESS', `${this.role} host ended (${r.reason} ${r.exitCode ?? r.signal ?? ''}) while waiting for ${what}${this.lastError()}; stderr: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`));
      const finish = (err: Error | null, e?: HostEvent): void => {
        clearTimeout(t);
        this.off('event', on);
        if (err) reject(err);
        else resolve(e!);
      };
      this.on('event', on);
      void this.sp.done.then((r) => void this.ended.then(() => gone(r)));
    });
  }

  private lastError(): string {
    const errs = this.events.filter((e): e is Extract<HostEvent, { ev: 'error' | 'mbox-exit' }> => e.ev === 'error' || e.ev === 'mbox-exit');
    if (errs.length === 0) return '';
    const e = errs[errs.length - 1]!;
    return e.ev === 'error' ? ` (${e.message})` : ` (middlebox ${e.exit}: ${e.stderr.trim().split('\n').slice(-2).join(' | ')})`;
  }

  /** The host dies at once, middlebox and agent together (kill -9 of both process groups). */
  kill(): void {
    if (this.mboxPid !== null) signalGroup(this.mboxPid, 'SIGKILL');
    if (this.sp.pid !== null) signalGroup(this.sp.pid, 'SIGKILL');
  }

  /** Orderly end: stats, agent closed, middlebox stopped; killed if it takes too long. */
  async close(): Promise<RunRecord> {
    this.send({ cmd: 'close' });
    const t = setTimeout(() => void this.sp.terminate(), 3_000);
    const r = await this.sp.done;
    clearTimeout(t);
    await this.ended;
    // The middlebox is in its own group: never leave it behind, however the host ended.
    if (this.mboxPid !== null) signalGroup(this.mboxPid, 'SIGKILL');
    return r;
  }
}
