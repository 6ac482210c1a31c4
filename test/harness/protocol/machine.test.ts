// The transition tables themselves: every illegal receipt throws by name,
// every legal one moves to the tabled state, sends are checked too.
import { describe, expect, it } from 'vitest';
import {
  FRAME_TYPES,
  PRIMARY_SPEC,
  STANDBY_SPEC,
  ProtocolError,
  StateMachine,
  illegalReceipts,
  illegalFrameReason,
  type MachineSpec,
} from '../../../harness/protocol/index.js';

/** A machine forced into `state` (tests only; agents move only by frames). */
function at<S extends string>(spec: MachineSpec<S>, state: S): StateMachine<S> {
  const m = new StateMachine(spec);
  (m as unknown as { current: S }).current = state;
  return m;
}

for (const spec of [PRIMARY_SPEC, STANDBY_SPEC] as Array<MachineSpec<string>>) {
  describe(`${spec.role} state machine`, () => {
    it('rejects every illegal receipt with E_ILLEGAL_FRAME and its name, staying put', () => {
      const cases = illegalReceipts(spec);
      expect(cases.length).toBe(spec.states.length * FRAME_TYPES.length - Object.values(spec.recv).reduce((n, r) => n + Object.keys(r).length, 0));
      for (const { state, frame } of cases) {
        const m = at(spec, state);
        let err: unknown;
        try {
          m.received(frame);
        } catch (e) {
          err = e;
        }
        expect(err, `${frame} in ${state}`).toBeInstanceOf(ProtocolError);
        expect((err as ProtocolError).reason).toBe('E_ILLEGAL_FRAME');
        expect((err as ProtocolError).detail).toBe(illegalFrameReason(spec, state, frame));
        expect(m.state).toBe(state);
      }
    });

    it('follows every legal receipt and send to the tabled state', () => {
      for (const dir of ['recv', 'send'] as const) {
        for (const state of spec.states) {
          for (const [frame, next] of Object.entries(spec[dir][state])) {
            const m = at(spec, state);
            expect(dir === 'recv' ? m.received(frame as never) : m.sent(frame as never)).toBe(next);
          }
        }
      }
    });

    it('refuses to send what its own table forbids', () => {
      const m = new StateMachine(spec);
      expect(() => m.sent('state')).toThrow(`internal: ${spec.role} may not send state in state awaitChallenge`);
    });

    it('only the handshake frames are legal before authentication, nothing after close', () => {
      for (const s of spec.unauthenticated) {
        expect(Object.keys(spec.recv[s]).sort()).toEqual(expect.arrayContaining(['error']));
        for (const f of Object.keys(spec.recv[s])) expect(['challenge', 'hello', 'error']).toContain(f);
      }
      expect(spec.recv.closed).toEqual({});
      expect(illegalFrameReason(spec, 'closed', 'ack')).toBe('ack frame after the session closed');
    });

    it('every state is reachable from the initial one', () => {
      const seen = new Set([spec.initial]);
      let grew = true;
      while (grew) {
        grew = false;
        for (const s of [...seen]) {
          for (const dir of ['recv', 'send'] as const) {
            for (const n of Object.values(spec[dir][s]) as string[]) if (!seen.has(n)) (seen.add(n), (grew = true));
          }
        }
      }
      expect([...seen].sort()).toEqual([...spec.states].sort());
    });
  });
}

it('names frames before authentication as such', () => {
  expect(illegalFrameReason(PRIMARY_SPEC, 'awaitChallenge', 'state')).toBe('state frame before authentication');
  expect(illegalFrameReason(STANDBY_SPEC, 'replicating', 'snapshot')).toBe('snapshot frame illegal in state replicating of the standby');
});

it('README.md shows exactly the tables the agents run', async () => {
  const { readFileSync } = await import('node:fs');
  const { transitionTableMarkdown, errorTableMarkdown } = await import('../../../harness/protocol/describe.js');
  const readme = readFileSync(new URL('../../../harness/protocol/README.md', import.meta.url), 'utf8');
  for (const spec of [PRIMARY_SPEC, STANDBY_SPEC] as Array<MachineSpec<string>>) {
    expect(readme).toContain(transitionTableMarkdown(spec, 'recv'));
    expect(readme).toContain(transitionTableMarkdown(spec, 'send'));
  }
  expect(readme).toContain(errorTableMarkdown());
});
