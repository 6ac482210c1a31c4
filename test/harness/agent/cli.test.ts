// `statelab agent` end to end, as separate processes: a standby and a primary
// CLI agent, each supervising a fake middlebox, replicate every frame; usage
// and key errors exit 2 with one line; a misbehaving middlebox is reported.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FAKE = join(ROOT, 'test/fixtures/agent/fake-mbox.mjs');
// A bundle of the real entry point inside the repo, so its bare imports resolve from node_modules.
const OUT = join(ROOT, 'node_modules/.cache/statelab-agent-cli-test');
mkdirSync(OUT, { recursive: true });
const MAIN = join(OUT, `main-${process.pid}.mjs`);
execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [join(ROOT, 'cli/main.ts'), '--bundle', '--platform=node', '--format=esm', '--packages=external', `--outfile=${MAIN}`, '--log-level=error']);

const TMP = mkdtempSync(join(tmpdir(), 'statelab-agent-cli-'));
const KEYFILE = join(TMP, 'key');
writeFileSync(KEYFILE, randomBytes(32).toString('hex') + '\n');
chmodSync(KEYFILE, 0o600);

afterAll(() => {
  rmSync(TMP, { recursive: true, force: true });
  rmSync(MAIN, { force: true });
});

interface Run {
  child: ChildProcess;
  out: string[];
  err: string[];
  exit: Promise<number | null>;
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const child = spawn(process.execPath, [MAIN, 'agent', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const out: string[] = [];
  const err: string[] = [];
  const collect = (into: string[]) => {
    let rest = '';
    return (c: Buffer) => {
      const parts = (rest + c.toString()).split('\n');
      rest = parts.pop()!;
      into.push(...parts);
    };
  };
  child.stdout!.on('data', collect(out));
  child.stderr!.on('data', collect(err));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out, err, exit };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Pids of processes whose command line carries `token`. */
function withToken(token: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(token)) pids.push(Number(d));
    } catch {
      // gone
    }
  }
  return pids;
}

describe('statelab agent', () => {
  it('--help lists the contract', async () => {
    const r = cli(['--help']);
    expect(await r.exit).toBe(0);
    const help = r.out.join('\n');
    for (const opt of ['--role <role>', '--listen <port>', '--connect <url>', '--key-file <f>', '--heartbeat-ms <n>', '--max-fps <n>', '[command...]']) expect(help).toContain(opt);
  });

  it('exits 2 with one line naming the file when the key file is missing', async () => {
    const r = cli(['--role', 'standby', '--listen', '0', '--key-file', join(TMP, 'nope'), '--', process.execPath, FAKE, 'standby']);
    expect(await r.exit).toBe(2);
    expect(r.err).toEqual([`statelab: ${join(TMP, 'nope')}: cannot read key file: ENOENT`]);
  });

  it('exits 2 on a short key and on contradictory options', async () => {
    const short = join(TMP, 'short');
    writeFileSync(short, 'abc\n', { mode: 0o600 });
    const a = cli(['--role', 'primary', '--connect', 'ws://127.0.0.1:1', '--key-file', short, '--', 'true']);
    expect(await a.exit).toBe(2);
    expect(a.err).toEqual([`statelab: ${short}: key is 3 bytes, at least 16 needed`]);
    const b = cli(['--role', 'primary', '--listen', '0', '--connect', 'ws://x', '--key-file', KEYFILE]);
    expect(await b.exit).toBe(2);
    expect(b.err).toEqual(['statelab: give exactly one of --listen <port> or --connect <url>']);
    const c = cli(['--role', 'boss', '--listen', '0']);
    expect(await c.exit).toBe(2);
    const d = cli(['--role', 'primary', '--listen', '0', '--key-file', KEYFILE, '--', '/nonexistent/mbox']);
    expect(await d.exit).toBe(2);
    expect(d.err).toEqual(['statelab: middlebox did not start: no executable /nonexistent/mbox (not found in PATH, or not executable)']);
  });

  it('replicates a primary middlebox to a standby middlebox across two agent processes, and stops cleanly', async () => {
    const token = `tok${randomBytes(6).toString('hex')}`;
    const standby = cli(['--role', 'standby', '--listen', '0', '--key-file', KEYFILE, '--heartbeat-ms', '20', '--', process.execPath, FAKE, 'standby', '0', token]);
    await until(() => standby.err.some((l) => l.includes(' listening: ')));
    const url = standby.err.find((l) => l.includes(' listening: '))!.split(' listening: ')[1]!;
    const primary = cli(['--role', 'primary', '--connect', url, '--key-file', KEYFILE, '--heartbeat-ms', '20', '--', process.execPath, FAKE, 'primary', '200', '64', 'all', '-1', token]);
    await until(() => standby.out.some((l) => l.startsWith('state 200 ')) && primary.out.some((l) => l.startsWith('done 200 ')));
    expect(standby.out.find((l) => l.startsWith('state 200 '))!.split(' ')[2]).toBe(primary.out.find((l) => l.startsWith('done 200 '))!.split(' ')[2]);
    expect(standby.out.map((l) => Number(l.split(' ')[1]))).toEqual(Array.from({ length: 201 }, (_, i) => i));
    expect(withToken(token).length).toBe(4); // two agents, two middleboxes
    primary.child.kill('SIGTERM');
    standby.child.kill('SIGTERM');
    expect(await primary.exit).toBe(0);
    expect(await standby.exit).toBe(0);
    await until(() => withToken(token).length === 0, 3_000);
    expect(standby.err.some((l) => l.includes('reject'))).toBe(false);
    expect([...standby.err, ...primary.err].filter((l) => l.startsWith('statelab: '))).toEqual([]);
  });

  it('crash failover: the primary is killed with SIGKILL and the standby middlebox goes live at the last applied frame', async () => {
    const token = `tok${randomBytes(6).toString('hex')}`;
    const standby = cli(['--role', 'standby', '--listen', '0', '--key-file', KEYFILE, '--heartbeat-ms', '20', '--takeover-on-dead', '--', process.execPath, FAKE, 'standby', '0', token]);
    await until(() => standby.err.some((l) => l.includes(' listening: ')));
    const url = standby.err.find((l) => l.includes(' listening: '))!.split(' listening: ')[1]!;
    const primary = cli(['--role', 'primary', '--connect', url, '--key-file', KEYFILE, '--heartbeat-ms', '20', '--', process.execPath, FAKE, 'primary', '100', '16', 'all', '-1', token]);
    await until(() => standby.out.some((l) => l.startsWith('state 100 ')));
    primary.child.kill('SIGKILL');
    await primary.exit;
    await until(() => standby.out.some((l) => l.startsWith('live ')));
    const digest = standby.out.find((l) => l.startsWith('state 100 '))!.split(' ')[2];
    expect(standby.out.find((l) => l.startsWith('live '))).toBe(`live 100 ${digest}`);
    expect(standby.err.some((l) => / peer-dead: connection lost \(1006 \) and no primary back for/.test(l))).toBe(true);
    standby.child.kill('SIGTERM');
    expect(await standby.exit).toBe(0);
    // The killed primary's middlebox died with it (parent-death signal); nothing is left.
    await until(() => withToken(token).length === 0, 3_000);
  });

  it('without a middlebox command, speaks the local frame stream on its own fds 3 and 4', async () => {
    const { startProcess } = await import('../../../harness/process/index.js');
    const { PrimaryAgent } = await import('../../../harness/agent/index.js');
    const { LocalFrameReader, decodeLocal, encodeLocal } = await import('../../../harness/protocol/index.js');
    const { inProcessPrimary } = await import('./helpers.js');
    const { readFileSync: read } = await import('node:fs');
    const key = read(KEYFILE).subarray(0, -1);
    const sp = startProcess([process.execPath, MAIN, 'agent', '--role', 'standby', '--listen', '0', '--key-file', KEYFILE], { extraFds: 2, stdin: 'ignore' });
    const err: string[] = [];
    sp.stderrStream!.on('data', (c: Buffer) => err.push(...c.toString().split('\n')));
    // We are the standby middlebox: frames from the agent arrive on its fd 4, we answer on its fd 3.
    const reader = new LocalFrameReader();
    const imported: number[] = [];
    sp.fds[1]!.on('data', (c: Buffer) => {
      for (const body of reader.push(c)) {
        const f = decodeLocal(body);
        if (f.t === 'snapshot' || f.t === 'state') {
          imported.push(f.seq);
          sp.fds[0]!.write(encodeLocal({ t: 'applied', seq: f.seq }));
        }
      }
    });
    await until(() => err.some((l) => l.includes(' listening: ')));
    const url = err.find((l) => l.includes(' listening: '))!.split(' listening: ')[1]!;
    const m = inProcessPrimary({ frames: 20, size: 8 });
    const primary = new PrimaryAgent(m.link, { key, model: 'all', heartbeatMs: 20 });
    const acked = new Promise<void>((r) => primary.on('ack', (s) => s === 20 && r()));
    primary.connect(url);
    await acked;
    expect(imported).toEqual(Array.from({ length: 21 }, (_, i) => i));
    await primary.close();
    const r = await sp.terminate();
    expect(r.reason).toBe('terminated');
    expect(r.exitCode).toBe(0); // SIGTERM handled: orderly shutdown
  });

  it.each([
    ['huge', 'E_TOO_LARGE: local frame at stream byte 0 claims 1073741824 bytes'],
    ['garbage', 'E_MALFORMED: local frame must be a MessagePack map, found type byte 0xc1 at byte 0'],
    ['midframe', 'E_MALFORMED: stream ended mid-frame at stream byte 0: got 46 of '],
  ])('reports a middlebox that writes a %s frame and exits 2', async (kind, msg) => {
    const r = cli(['--role', 'primary', '--listen', '0', '--key-file', KEYFILE, '--', process.execPath, FAKE, 'bad', kind]);
    expect(await r.exit).toBe(2);
    expect(r.err.find((l) => l.startsWith('statelab: middlebox link: '))).toContain(msg);
  });
});
