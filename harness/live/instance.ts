// One live middlebox instance: how it is started inside a namespace (log on
// line-buffered stdout, -i/-o on its veths), when it is capturing, paced
// injection with output marks, and a whole plain run (the reference).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type RunRecord } from '../process/index.js';
import type { Model } from '../protocol/index.js';
import { StatelabError } from '../errors.js';
import type { MboxSpec, ProcessTail } from '../run/index.js';
import { Injector, OutputCapture } from './cap-link.js';
import { waitIdle } from './idle.js';
import type { LiveHost } from './netns.js';
import type { LiveTrace } from './trace.js';
import { START_MS, type InstanceOut, type LiveOptions } from './types.js';

export function wrapLog(argv: string[], log: string): string[] {
  // stdout is the log, line-buffered: a middlebox stopped at the end of a live run has written every line.
  return ['sh', '-c', 'exec "$@" >"$0"', log, 'stdbuf', '-oL', ...argv];
}

export function mboxArgv(bin: string, spec: MboxSpec, host: LiveHost, sa: { role: 'primary' | 'standby'; model: Model } | null): string[] {
  const io = ['-i', host.input.mbox, ...(host.output ? ['-o', host.output.mbox] : [])];
  return [bin, ...spec.args, ...io, ...(sa ? ['--sa-mode', sa.role, '--sa-model', sa.model] : [])];
}

export function tailOf(role: ProcessTail['role'], command: string[], r: RunRecord): ProcessTail {
  const exit = r.reason === 'exit' ? `exit ${r.exitCode}` : r.signal ? `${r.reason} (${r.signal})` : r.reason;
  return { role, command, exit, stderrTail: r.stderr.slice(-2000) };
}

/** Resolve when `pid` sleeps in poll (capturing); reject with why if the process ends first. */
export async function ready(pid: number | null, ended: Promise<string>, what: string): Promise<void> {
  if (pid === null) throw new StatelabError('E_PROCESS', `${what} did not start: ${await ended}`);
  const died = ended.then((why) => Promise.reject(new StatelabError('E_PROCESS', `${what} ended before capturing (${why})`)));
  died.catch(() => {});
  try {
    await Promise.race([waitIdle(pid, { timeoutMs: START_MS, what }), died]);
  } catch (e) {
    // waitIdle saw it gone first: the end's reason says more.
    await Promise.race([died, new Promise((r) => setTimeout(r, 1_000))]);
    throw e;
  }
}

export function whyEnded(r: RunRecord): string {
  return `${r.reason === 'exit' ? `exit ${r.exitCode}` : r.reason}${r.error ? `: ${r.error}` : ''}; stderr: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
}

/**
 * Inject frames [from, to) on `inj`, waiting after every `window` frames (and
 * after each of `exactFrom`.. one by one) until the middlebox has taken them;
 * `marks[i]` = output packets sent after packet i, where known. Stops early when `stop()` says so.
 */
export async function feed(
  trace: LiveTrace,
  inj: Injector,
  pid: number,
  range: { from: number; to: number },
  o: { window: number; exactFrom?: number; out: OutputCapture | null; marks?: Map<number, number>; stop?: () => boolean; what: string },
): Promise<number> {
  let i = range.from;
  while (i < range.to && !(o.stop?.() ?? false)) {
    const one = o.exactFrom !== undefined && i + 1 >= o.exactFrom;
    const end = one ? i + 1 : Math.min(range.to, i + o.window, o.exactFrom !== undefined ? Math.max(o.exactFrom - 1, i + 1) : Infinity);
    for (; i < end; i++) inj.send(trace.frames[i]!, i);
    await waitIdle(pid, { timeoutMs: 30_000, what: o.what });
    o.marks?.set(i - 1, o.out ? o.out.sentByMbox() : 0);
  }
  return i;
}

export function fileText(f: string): string {
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}

/** One plain instance in `host`'s namespace over the whole trace (the reference, or the run under test of `none`). */
export async function runPlain(o: LiveOptions, trace: LiveTrace, bin: string, host: LiveHost, role: 'single' | 'primary', window: number, timeoutMs: number): Promise<InstanceOut> {
  const log = join(o.workDir, `${role}.log`);
  const out = host.output ? new OutputCapture(host.output.harness) : null;
  const inj = new Injector(host.input.harness);
  const argv = mboxArgv(bin, o.mbox, host, null);
  const sp = startProcess(['ip', 'netns', 'exec', host.ns, ...wrapLog(argv, log)], { cwd: o.mbox.dir, stdin: 'ignore', stdout: 'ignore', timeoutMs, killGraceMs: 500 });
  try {
    await ready(sp.pid, sp.done.then(whyEnded), `${role} middlebox ${o.mbox.name}`);
    const t0 = performance.now();
    await feed(trace, inj, sp.pid!, { from: 0, to: trace.frames.length }, { window, out, what: `${role} middlebox` });
    const injectMs = performance.now() - t0;
    if (out) await out.settle();
    const rec = await sp.terminate();
    return {
      log: fileText(log),
      packets: out ? [...out.packets] : [],
      counts: { injected: inj.sent, injectMs, processed: null, outputSent: out ? out.sentByMbox() : 0, outputCaptured: out ? out.packets.length : 0 },
      tail: tailOf(role, argv, rec),
    };
  } finally {
    inj.close();
    out?.close();
    await sp.terminate();
  }
}
