// Live runs leave no network namespace, veth or process behind, however they
// end: a middlebox that cannot start (reference phase), a pair that cannot
// start (after the reference ran), SIGINT to `statelab run --live` mid-run.
// And without root or without `ip`, --live is a usage error naming what is missing.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPlain, loadMbox } from '../../../harness/run/index.js';
import { leftovers, runLive } from '../../../harness/live/index.js';
import { liveCount } from '../../../harness/process/index.js';
import { cannotGoLive } from './skip.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(REPO, 'dist', 'cli', 'main.js');
const FIREWALL = join(REPO, 'middleboxes', 'firewall');
const TRACE = join(REPO, 'traces', 'small-mixed.pcap');
const LONG_TRACE = join(REPO, 'traces', 'many-flows.pcap');
const root = mkdtempSync(join(tmpdir(), 'h13-teardown-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function netState(): string {
  // stderr ignored: `ip link` complains about veths whose peer namespace is being deleted by another run.
  const ip = (args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return ip(['netns', 'list']) + ip(['-o', 'link']);
}

describe.skipIf(cannotGoLive)('live teardown', () => {
  it('a middlebox binary that does not exist: the run fails naming it, and nothing is left', async () => {
    let id = '';
    const err = await runLive({
      mbox: loadMbox(FIREWALL),
      trace: TRACE,
      model: 'all',
      failover: { kind: 'none' },
      workDir: join(root, 'nobin'),
      binaries: { plain: '/nonexistent/firewall' },
      onTopology: (t) => (id = t),
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/\/nonexistent\/firewall/);
    expect(id).not.toBe(''); // it failed after the namespaces were made
    expect(await leftovers(id)).toEqual([]);
    expect(liveCount()).toBe(0);
  }, 60_000);

  it('a pair that cannot start after the reference ran: agent hosts and middleboxes stopped, nothing left', async () => {
    const spec = loadMbox(FIREWALL);
    let id = '';
    const err = await runLive({
      mbox: spec,
      trace: TRACE,
      model: 'all',
      failover: { kind: 'graceful', at: 100 },
      workDir: join(root, 'noinst'),
      binaries: { plain: await buildPlain(spec), instrumented: '/nonexistent/firewall-sa' },
      onTopology: (t) => (id = t),
    }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/primary middlebox firewall ended before capturing.*nonexistent\/firewall-sa/);
    expect(await leftovers(id)).toEqual([]);
    expect(liveCount()).toBe(0);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toMatch(/firewall-sa/);
  }, 60_000);

  it.skipIf(!existsSync(MAIN))('SIGINT to statelab run --live mid-run: exit by the signal, namespaces and veths gone', async () => {
    // Plain builds only (no instrumented build to wait for); 5191 packets keep the reference run busy well past the signal.
    const child = spawn(process.execPath, [MAIN, 'run', FIREWALL, '--trace', LONG_TRACE, '--live', '--live-window', '4', '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const id = `sl${child.pid!.toString(36)}`;
    // Wait for the standby host's namespace and its veths: the topology is complete, the reference run starting.
    const end = Date.now() + 50_000;
    while (!new RegExp(`${id}[0-9a-z]*so\\b`).test(netState()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(netState()).toMatch(new RegExp(`${id}[0-9a-z]*s\\b`));
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGINT');
    const how = await exited;
    // Died by the signal (re-raised after teardown), not a normal end: the run was interrupted.
    expect(how).toEqual({ code: null, signal: 'SIGINT' });
    await new Promise((r) => setTimeout(r, 200));
    expect(netState()).not.toMatch(new RegExp(`\\b${id}`));
    expect(stderr).not.toMatch(/TypeError|ReferenceError/);
  }, 90_000);
});

describe('--live without what it needs', () => {
  it.skipIf(!existsSync(MAIN))('without ip (and sh, stdbuf) in PATH: exit 2 naming ip', () => {
    const r = (() => {
      try {
        execFileSync(process.execPath, [MAIN, 'run', FIREWALL, '--trace', TRACE, '--live'], { env: { PATH: join(root, 'empty-path') }, encoding: 'utf8', stdio: 'pipe' });
        return { status: 0, stderr: '' };
      } catch (e) {
        return e as { status: number; stderr: string };
      }
    })();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--live needs .*`ip` program/);
  });

  it.skipIf(!existsSync(MAIN) || process.getuid?.() !== 0)('as an unprivileged user: exit 2 naming root', () => {
    const r = (() => {
      try {
        execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN, 'run', FIREWALL, '--trace', TRACE, '--live'], { encoding: 'utf8', stdio: 'pipe' });
        return { status: 0, stderr: '' };
      } catch (e) {
        return e as { status: number; stderr: string };
      }
    })();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--live needs root privileges/);
    expect(r.stderr).not.toMatch(/`ip` program/);
  });
});
