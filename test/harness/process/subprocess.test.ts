// Supervised processes: exit status and stderr in the record, timeouts with
// TERM→KILL escalation, the end reason recorded once, extra fds, and no
// orphans on any exit path (checked in /proc), even when the parent dies.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll, liveCount, startProcess } from '../../../harness/process/index.js';

afterEach(() => {
  killAll();
  expect(liveCount()).toBe(0);
});

/** Pids whose process group is `pgid` (from /proc/<pid>/stat, field 5). */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms = 3_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

describe('Subprocess', () => {
  it('records exit status and the tail of stderr', async () => {
    const sp = startProcess(['sh', '-c', 'echo out; echo "bad thing" >&2; exit 7']);
    const r = await sp.done;
    expect(r).toMatchObject({ reason: 'exit', exitCode: 7, signal: null, escalated: false, stderr: 'bad thing\n', stderrBytes: 10, stderrTruncated: false });
  });

  it('keeps only the last bytes of a chatty stderr but counts them all', async () => {
    const sp = startProcess(['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo "line $i" >&2; i=$((i+1)); done'], { stderrLimitBytes: 100 });
    const r = await sp.done;
    expect(r.stderrTruncated).toBe(true);
    expect(r.stderr.length).toBe(100);
    expect(r.stderr.endsWith('line 1999\n')).toBe(true);
    expect(r.stderrBytes).toBeGreaterThan(10_000);
  });

  it('times out: SIGTERM is enough for a well-behaved process', async () => {
    const sp = startProcess(['sleep', '30'], { timeoutMs: 100, killGraceMs: 2_000 });
    const r = await sp.done;
    expect(r).toMatchObject({ reason: 'timeout', signal: 'SIGTERM', escalated: false });
    expect(r.durationMs).toBeLessThan(1_500);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const sp = startProcess(['sh', '-c', 'trap "" TERM; echo ready >&2; while :; do sleep 0.05; done'], { timeoutMs: 150, killGraceMs: 200 });
    const r = await sp.done;
    expect(r).toMatchObject({ reason: 'timeout', signal: 'SIGKILL', escalated: true, stderr: 'ready\n' });
    expect(r.durationMs).toBeGreaterThanOrEqual(340);
    // SIGKILL to the group is delivered asynchronously: the leader's exit can be seen
    // before its child has died, so wait as the other no-orphan tests here do.
    expect(await until(() => groupMembers(r.pid!).length === 0)).toBe(true);
  });

  it('records the first end reason only', async () => {
    const sp = startProcess(['sleep', '30'], { timeoutMs: 50 });
    await new Promise((r) => setTimeout(r, 120));
    const r = await sp.terminate('terminated');
    expect(r.reason).toBe('timeout');
  });

  it('aborts on an AbortSignal', async () => {
    const ac = new AbortController();
    const sp = startProcess(['sleep', '30'], { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect((await sp.done).reason).toBe('aborted');
  });

  it('reports a missing command as a spawn error, without throwing', async () => {
    const r = await startProcess(['/nonexistent/statelab-mbox']).done;
    expect(r).toMatchObject({ reason: 'spawn-error', pid: null, error: 'no executable /nonexistent/statelab-mbox (not found in PATH, or not executable)' });
  });

  it('reports a signal it did not send as such', async () => {
    const r = await startProcess(['sh', '-c', 'kill -USR1 $$']).done;
    expect(r).toMatchObject({ reason: 'signal', signal: 'SIGUSR1' });
  });

  it('opens extra fds both ways (fd 3 from the child, fd 4 to it)', async () => {
    const sp = startProcess(['sh', '-c', 'read line <&4; echo "got $line" >&3'], { extraFds: 2 });
    const got: Buffer[] = [];
    sp.fds[0]!.on('data', (c: Buffer) => got.push(c));
    sp.fds[1]!.write('frame\n');
    await sp.done;
    await until(() => Buffer.concat(got).length > 0, 1_000);
    expect(Buffer.concat(got).toString()).toBe('got frame\n');
  });

  it('leaves no orphan: terminate() kills the whole process group', async () => {
    const sp = startProcess(['sh', '-c', 'sleep 30 & sleep 30 & wait']);
    expect(await until(() => groupMembers(sp.pid!).length >= 3)).toBe(true);
    const members = groupMembers(sp.pid!);
    await sp.terminate();
    expect(await until(() => members.every((p) => !alive(p)))).toBe(true);
  });

  it('leaves no orphan when the leader exits on its own but its children do not', async () => {
    const sp = startProcess(['sh', '-c', 'sleep 30 & echo $! >&2; exit 0']);
    const r = await sp.done;
    const child = Number(r.stderr.trim());
    expect(child).toBeGreaterThan(0);
    expect(await until(() => !alive(child))).toBe(true);
  });
});

describe('no orphans when the supervising process itself ends', () => {
  const dir = mkdtempSync(join(tmpdir(), 'statelab-proc-'));
  const bundle = join(dir, 'parent.mjs');
  const esbuild = fileURLToPath(new URL('../../../node_modules/.bin/esbuild', import.meta.url));
  execFileSync(esbuild, [fileURLToPath(new URL('../../fixtures/process/parent.ts', import.meta.url)), '--bundle', '--platform=node', '--format=esm', `--outfile=${bundle}`, '--log-level=error']);

  async function runParent(how: 'exit' | 'throw' | 'hang', kill?: NodeJS.Signals): Promise<number> {
    const parent = spawn(process.execPath, [bundle, how], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))));
    expect(alive(pid)).toBe(true);
    if (kill) {
      await new Promise((r) => setTimeout(r, 150));
      parent.kill(kill);
    }
    await new Promise((r) => parent.once('exit', r));
    return pid;
  }

  it.each([
    ['process.exit()', 'exit', undefined],
    ['an uncaught exception', 'throw', undefined],
    ['SIGTERM', 'hang', 'SIGTERM'],
    ['SIGINT', 'hang', 'SIGINT'],
    ['SIGKILL (parent-death signal)', 'hang', 'SIGKILL'],
  ] as const)('the child dies with its parent on %s', async (_name, how, sig) => {
    const pid = await runParent(how, sig);
    expect(await until(() => !alive(pid))).toBe(true);
  });

  it('cleans up its bundle', () => {
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('spawn failures after resolution', () => {
  it('a file that exists but cannot be executed is a spawn error with the reason', async () => {
    const { writeFileSync, chmodSync } = await import('node:fs');
    const d = mkdtempSync(join(tmpdir(), 'statelab-noexec-'));
    const f = join(d, 'mbox');
    writeFileSync(f, 'not a program');
    chmodSync(f, 0o644);
    const r = await startProcess([f]).done;
    expect(r).toMatchObject({ reason: 'spawn-error', error: `no executable ${f} (not found in PATH, or not executable)` });
    rmSync(d, { recursive: true, force: true });
  });
});
