// One middlebox host of a live run, started inside its network namespace
// (`ip netns exec <ns> node host.js`): the instrumented middlebox capturing on
// its veth, and its agent on the inter-host link. The controller drives it
// with JSON lines on stdin and hears its events as JSON lines on stdout.
import { createInterface } from 'node:readline';
import { MboxLink, PrimaryAgent, StandbyAgent, type AgentLogEvent } from '../agent/index.js';
import { startProcess } from '../process/index.js';
import type { Model } from '../protocol/index.js';
import { dropFromFrame } from './drop-var.js';

export interface HostConfig {
  role: 'primary' | 'standby';
  /** The middlebox command (already wrapped so its stdout is the log file). */
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  key: string;
  model: Model;
  heartbeatMs: number;
  missLimit: number;
  /** Standby: listen here. */
  listen?: { host: string; port: number };
  timeoutMs: number;
  /** Negative control: the standby never imports this variable. */
  dropVar?: string;
  /** Primary: drop a standby that acknowledges nothing new for this long. */
  ackTimeoutMs?: number;
}

export type HostCommand = { cmd: 'connect'; url: string } | { cmd: 'takeover' } | { cmd: 'close' };

export type HostEvent =
  | { ev: 'mbox'; pid: number }
  | { ev: 'listening'; port: number }
  | { ev: 'resync' }
  | { ev: 'ack'; seq: number }
  | { ev: 'frame'; t: 'state' | 'snapshot'; seq: number; pkt: number; out: number[]; bytes: number }
  | { ev: 'applied'; seq: number }
  | { ev: 'peer-dead'; ms: number }
  | { ev: 'live'; seq: number }
  | { ev: 'took-over'; seq: number }
  | { ev: 'error'; message: string }
  | { ev: 'mbox-exit'; exit: string; stderr: string }
  | { ev: 'stats'; sent: number; acked: number; applied: number; dropped: number; discarded: number }
  | { ev: 'closed' };

/** A link that removes one variable from every frame it writes to the middlebox. */
class DroppingLink extends MboxLink {
  dropVar = '';
  override sendBody(body: Buffer): boolean {
    let cut: Buffer;
    try {
      cut = dropFromFrame(body, this.dropVar);
    } catch (e) {
      emit({ ev: 'error', message: `drop-var ${this.dropVar}: ${(e as Error).message}` });
      process.stderr.write(`drop-var ${this.dropVar}: ${(e as Error).message}\n`);
      cut = body;
    }
    return super.sendBody(cut);
  }
}

/**
 * Graceful takeover. A standby whose session just ended (e.g. dropped on a slow
 * ack under load) reconnects and resynchronises on its own: retry until it streams again.
 */
async function handOver(agent: PrimaryAgent, limitMs = 5_000): Promise<void> {
  const end = performance.now() + limitMs;
  for (;;) {
    if (agent.lastSentSeq < 0) {
      // A new session whose snapshot has not been sent: the middlebox answers the request only between packets.
      if (performance.now() > end) {
        return emit({ ev: 'error', message: 'takeover: the standby session restarted after the primary\'s last packet, and the primary middlebox takes a snapshot only between packets: nothing to hand over (was the standby\'s heartbeat limit too tight for this machine\'s load?)' });
      }
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    try {
      emit({ ev: 'took-over', seq: await agent.takeover() });
      return;
    } catch (e) {
      const msg = (e as Error).message;
      if (!/needs a streaming standby/.test(msg) || performance.now() > end) return emit({ ev: 'error', message: `takeover: ${msg}` });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function emit(e: HostEvent): void {
  process.stdout.write(JSON.stringify(e) + '\n');
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  const it = lines[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const c = JSON.parse(first.value) as HostConfig;
  const mbox = startProcess(c.argv, { cwd: c.cwd, env: { ...process.env, ...c.env }, stdin: 'ignore', stdout: 'ignore', extraFds: 2, timeoutMs: c.timeoutMs });
  if (mbox.pid !== null) emit({ ev: 'mbox', pid: mbox.pid });
  const [fromMbox, toMbox] = mbox.fds;
  let link: MboxLink;
  if (c.dropVar !== undefined && fromMbox && toMbox) {
    const d = new DroppingLink(fromMbox, toMbox);
    d.dropVar = c.dropVar;
    link = d;
  } else link = MboxLink.fromSubprocess(mbox);
  const log = (e: AgentLogEvent): void => void process.stderr.write(`agent[${c.role}] ${e.level} conn ${e.conn} ${e.event}${e.detail ? `: ${e.detail}` : ''}\n`);
  const opts = { key: Buffer.from(c.key, 'hex'), model: c.model, heartbeatMs: c.heartbeatMs, missLimit: c.missLimit, log, ...(c.ackTimeoutMs !== undefined ? { ackTimeoutMs: c.ackTimeoutMs } : {}) };
  let closing = false;
  void mbox.done.then((r) => {
    if (!closing) emit({ ev: 'mbox-exit', exit: r.reason === 'exit' ? `exit ${r.exitCode}` : `${r.reason}${r.signal ? ` (${r.signal})` : ''}`, stderr: r.stderr.slice(-2000) });
  });

  if (c.role === 'primary') {
    // Before the agent's own listener: the controller hears of a frame before the standby can apply it.
    link.on('frame', (f) => {
      if (f.t === 'state' || f.t === 'snapshot') emit({ ev: 'frame', t: f.t, seq: f.seq, pkt: f.pkt, out: [...((f as { out?: number[] }).out ?? [])], bytes: f.payload.length });
    });
    const agent = new PrimaryAgent(link, opts);
    agent.on('resync', () => emit({ ev: 'resync' }));
    agent.on('ack', (seq) => emit({ ev: 'ack', seq }));
    agent.on('mbox-error', (e) => emit({ ev: 'error', message: `primary link: ${e.message}` }));
    for (;;) {
      const n = await it.next();
      if (n.done) break;
      const cmd = JSON.parse(n.value) as HostCommand;
      if (cmd.cmd === 'connect') agent.connect(cmd.url);
      else if (cmd.cmd === 'takeover') void handOver(agent);
      else break;
    }
    closing = true;
    emit({ ev: 'stats', sent: agent.sent, acked: agent.lastAckedSeq, applied: -1, dropped: agent.dropped, discarded: 0 });
    await agent.close('run over');
  } else {
    const agent = new StandbyAgent(link, opts);
    agent.on('applied', (seq) => emit({ ev: 'applied', seq }));
    agent.on('peer-dead', (ms) => emit({ ev: 'peer-dead', ms }));
    agent.on('live', (seq) => emit({ ev: 'live', seq }));
    // After takeover the middlebox exports its own frames: they say how many packets it has taken.
    link.on('frame', (f) => {
      if (agent.isLive && (f.t === 'state' || f.t === 'snapshot')) emit({ ev: 'frame', t: f.t, seq: f.seq, pkt: f.pkt, out: [...((f as { out?: number[] }).out ?? [])], bytes: f.payload.length });
    });
    agent.on('mbox-error', (e) => {
      if (!agent.isLive) emit({ ev: 'error', message: `standby link: ${e.message}` });
    });
    const port = await agent.listen(c.listen?.port ?? 0, c.listen?.host ?? '127.0.0.1');
    emit({ ev: 'listening', port });
    for (;;) {
      const n = await it.next();
      if (n.done) break;
      const cmd = JSON.parse(n.value) as HostCommand;
      if (cmd.cmd === 'takeover') {
        agent.takeover().then(
          (seq) => emit({ ev: 'took-over', seq }),
          (e: Error) => emit({ ev: 'error', message: `takeover: ${e.message}` }),
        );
      } else if (cmd.cmd === 'close') break;
    }
    closing = true;
    emit({ ev: 'stats', sent: 0, acked: -1, applied: agent.lastApplied, dropped: 0, discarded: agent.discarded });
    await agent.close('run over');
  }
  await mbox.terminate();
  emit({ ev: 'closed' });
  lines.close();
}

main().catch((e: unknown) => {
  emit({ ev: 'error', message: `host: ${(e as Error).message}` });
  process.exitCode = 2;
});
