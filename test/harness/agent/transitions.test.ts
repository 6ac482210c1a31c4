// Walks EVERY illegal transition of both agent state machines over a real
// WebSocket: the (state, frame) pairs come from the transition tables, the
// path to each state is found by search over the same tables, and the agent
// must reject the frame by name and keep serving good peers.
import { afterEach, describe, expect, it } from 'vitest';
import {
  FRAME_TYPES,
  PRIMARY_SPEC,
  STANDBY_SPEC,
  illegalFrameReason,
  illegalReceipts,
  type FrameType,
  type MachineSpec,
} from '../../../harness/protocol/index.js';
import { PrimaryAgent, StandbyAgent } from '../../../harness/agent/index.js';
import { inProcessPrimary, inProcessStandby, RawPeer } from './helpers.js';
import { KEY, eventually } from './helpers.js';

type Step = { dir: 'recv' | 'send'; frame: FrameType };

/** Shortest path of state-changing events from the initial state to `target` (BFS over the table). */
function pathTo<S extends string>(spec: MachineSpec<S>, target: S): Step[] | null {
  const prev = new Map<S, { from: S; step: Step }>();
  const queue: S[] = [spec.initial];
  const seen = new Set<S>([spec.initial]);
  while (queue.length > 0) {
    const s = queue.shift()!;
    if (s === target) break;
    for (const dir of ['recv', 'send'] as const) {
      for (const frame of FRAME_TYPES) {
        const next = spec[dir][s][frame];
        if (next === undefined || next === s || seen.has(next) || next === 'closed') continue;
        seen.add(next);
        prev.set(next, { from: s, step: { dir, frame } });
        queue.push(next);
      }
    }
  }
  if (!seen.has(target)) return null;
  const steps: Step[] = [];
  for (let s = target; s !== spec.initial; s = prev.get(s)!.from) steps.unshift(prev.get(s)!.step);
  return steps;
}

const agents: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
});

interface Harness {
  agent: PrimaryAgent | StandbyAgent;
  url: string;
  peerRole: 'primary' | 'standby';
  /** Make the agent send `frame` when only a local command does (the primary's takeover). */
  trigger(frame: FrameType): void;
}

async function standbyHarness(): Promise<Harness> {
  // The live reply is slow so the standby stays in tookOver while the test probes it.
  const m = inProcessStandby({ liveDelayMs: 2_000 });
  const agent = new StandbyAgent(m.link, { key: KEY, model: 'all', heartbeatMs: 1_000, handshakeMs: 2_000 });
  agents.push(agent);
  const port = await agent.listen(0);
  return { agent, url: `ws://127.0.0.1:${port}`, peerRole: 'primary', trigger: () => {} };
}

async function primaryHarness(): Promise<Harness> {
  const m = inProcessPrimary({ frames: 0, size: 8 });
  const agent = new PrimaryAgent(m.link, { key: KEY, model: 'all', heartbeatMs: 1_000, handshakeMs: 2_000 });
  agents.push(agent);
  const port = await agent.listen(0);
  return {
    agent,
    url: `ws://127.0.0.1:${port}`,
    peerRole: 'standby',
    trigger: (f) => {
      if (f === 'takeover') agent.takeover().catch(() => {});
    },
  };
}

/** Drive a fresh connection along `path`, then send `frame`; returns the peer. */
async function probe(h: Harness, path: Step[], frame: FrameType): Promise<RawPeer> {
  const peer = await RawPeer.connect(h.url, h.peerRole);
  const sentCount = new Map<FrameType, number>();
  for (const step of path) {
    if (step.dir === 'recv') {
      peer.send(await peer.make(step.frame));
    } else {
      h.trigger(step.frame);
      const n = (sentCount.get(step.frame) ?? 0) + 1;
      sentCount.set(step.frame, n);
      await peer.next(step.frame, n);
    }
    // The primary moves to streaming on resync, but the test must see it happen before probing.
    if (step.frame === 'resync' && h.peerRole === 'standby') await peer.next('snapshot');
  }
  peer.send(await peer.make(frame));
  return peer;
}

/** A good peer still gets all the way through the handshake afterwards. */
async function goodPeerWorks(h: Harness): Promise<void> {
  const peer = await RawPeer.connect(h.url, h.peerRole);
  await peer.handshake();
  if (h.peerRole === 'primary') await peer.next('resync');
  else {
    peer.send({ t: 'resync', reason: 'connect', last: -1 });
    await peer.next('snapshot');
  }
  peer.close();
  await peer.closed;
}

for (const [name, spec, make] of [
  ['standby', STANDBY_SPEC, standbyHarness],
  ['primary', PRIMARY_SPEC, primaryHarness],
] as const) {
  describe(`${name} agent rejects every illegal frame by name`, () => {
    const cases = illegalReceipts(spec as MachineSpec<string>).filter((c) => c.state !== 'closed');

    it('the table yields a case for every reachable state', () => {
      const states = new Set(cases.map((c) => c.state));
      for (const s of spec.states) if (s !== 'closed') expect(states.has(s), s).toBe(true);
      expect(cases.length).toBeGreaterThan(20);
    });

    it.each(cases)('$frame in $state', async ({ state, frame }) => {
      const h = await make();
      const path = pathTo(spec as MachineSpec<string>, state);
      expect(path, `no path to ${state}`).not.toBeNull();
      const peer = await probe(h, path!, frame);
      const closed = await peer.closed;
      const reason = illegalFrameReason(spec as MachineSpec<string>, state, frame);
      expect(closed).toEqual({ code: 4405, reason });
      const err = peer.received.find((e) => e.t === 'error');
      expect(err).toEqual({ t: 'error', code: 'E_ILLEGAL_FRAME', reason });
      if (state !== 'tookOver') await goodPeerWorks(h);
      await eventually(() => h.agent.openConnections === 0);
      expect(h.agent.openConnections).toBe(0);
    });
  });
}

it('names an early frame "before authentication"', () => {
  expect(illegalFrameReason(STANDBY_SPEC, 'awaitHello', 'state')).toBe('state frame before authentication');
});
