// The two sides of the agent protocol as explicit state machines (protocols
// as typestate): for each state, the frames legal to receive and to send and
// the state each leads to. An illegal received frame is rejected by name.
import { FRAME_TYPES, type FrameType, type Role } from './constants.js';
import { ProtocolError } from './errors.js';

export const PRIMARY_STATES = ['awaitChallenge', 'awaitHello', 'awaitResync', 'streaming', 'handingOver', 'closed'] as const;
export type PrimaryState = (typeof PRIMARY_STATES)[number];

export const STANDBY_STATES = ['awaitChallenge', 'awaitHello', 'syncing', 'replicating', 'tookOver', 'closed'] as const;
export type StandbyState = (typeof STANDBY_STATES)[number];

export type Transitions<S extends string> = { readonly [K in S]: Readonly<Partial<Record<FrameType, S>>> };

export interface MachineSpec<S extends string> {
  role: Role;
  states: readonly S[];
  initial: S;
  /** States before the peer is authenticated (for "X frame before authentication"). */
  unauthenticated: readonly S[];
  recv: Transitions<S>;
  send: Transitions<S>;
}

/**
 * Primary: sends its challenge on open, answers the standby's challenge with
 * hello, waits for the standby's resync, then streams state; `takeover` hands
 * over. Heartbeats go primary → standby only.
 */
export const PRIMARY_SPEC: MachineSpec<PrimaryState> = {
  role: 'primary',
  states: PRIMARY_STATES,
  initial: 'awaitChallenge',
  unauthenticated: ['awaitChallenge', 'awaitHello'],
  recv: {
    awaitChallenge: { challenge: 'awaitHello', error: 'closed' },
    awaitHello: { hello: 'awaitResync', error: 'closed' },
    awaitResync: { resync: 'streaming', bye: 'closed', error: 'closed' },
    streaming: { ack: 'streaming', resync: 'streaming', bye: 'closed', error: 'closed' },
    handingOver: { ack: 'handingOver', bye: 'closed', error: 'closed' },
    closed: {},
  },
  send: {
    awaitChallenge: { challenge: 'awaitChallenge', error: 'closed' },
    awaitHello: { hello: 'awaitHello', error: 'closed' },
    awaitResync: { heartbeat: 'awaitResync', bye: 'closed', error: 'closed' },
    streaming: {
      state: 'streaming',
      snapshot: 'streaming',
      heartbeat: 'streaming',
      takeover: 'handingOver',
      bye: 'closed',
      error: 'closed',
    },
    handingOver: { heartbeat: 'handingOver', bye: 'closed', error: 'closed' },
    closed: {},
  },
};

/**
 * Standby: sends its challenge on open, answers with hello, then asks for a
 * full snapshot (resync) and replicates; state frames that arrive while a
 * resync is pending are legal but discarded; takeover makes it go live.
 */
export const STANDBY_SPEC: MachineSpec<StandbyState> = {
  role: 'standby',
  states: STANDBY_STATES,
  initial: 'awaitChallenge',
  unauthenticated: ['awaitChallenge', 'awaitHello'],
  recv: {
    awaitChallenge: { challenge: 'awaitHello', error: 'closed' },
    awaitHello: { hello: 'syncing', error: 'closed' },
    syncing: { snapshot: 'replicating', state: 'syncing', heartbeat: 'syncing', bye: 'closed', error: 'closed' },
    replicating: { state: 'replicating', heartbeat: 'replicating', takeover: 'tookOver', bye: 'closed', error: 'closed' },
    tookOver: { heartbeat: 'tookOver', bye: 'closed', error: 'closed' },
    closed: {},
  },
  send: {
    awaitChallenge: { challenge: 'awaitChallenge', error: 'closed' },
    awaitHello: { hello: 'awaitHello', error: 'closed' },
    syncing: { resync: 'syncing', ack: 'syncing', bye: 'closed', error: 'closed' },
    replicating: { ack: 'replicating', resync: 'syncing', bye: 'closed', error: 'closed' },
    tookOver: { ack: 'tookOver', bye: 'closed', error: 'closed' },
    closed: {},
  },
};

/** Every (state, frame) pair a side must reject on receipt, derived from the table. */
export function illegalReceipts<S extends string>(spec: MachineSpec<S>): Array<{ state: S; frame: FrameType }> {
  const out: Array<{ state: S; frame: FrameType }> = [];
  for (const state of spec.states) {
    for (const frame of FRAME_TYPES) if (spec.recv[state][frame] === undefined) out.push({ state, frame });
  }
  return out;
}

/** The reason an illegal frame is rejected with, in words a log reader understands. */
export function illegalFrameReason<S extends string>(spec: MachineSpec<S>, state: S, frame: FrameType): string {
  if (state === 'closed') return `${frame} frame after the session closed`;
  if (spec.unauthenticated.includes(state)) return `${frame} frame before authentication`;
  return `${frame} frame illegal in state ${state} of the ${spec.role}`;
}

export class StateMachine<S extends string> {
  private current: S;

  constructor(readonly spec: MachineSpec<S>) {
    this.current = spec.initial;
  }

  get state(): S {
    return this.current;
  }

  get authenticated(): boolean {
    return !this.spec.unauthenticated.includes(this.current) && this.current !== 'closed';
  }

  /** A frame arrived: move on, or throw E_ILLEGAL_FRAME naming frame and state. */
  received(frame: FrameType): S {
    const next = this.spec.recv[this.current][frame];
    if (next === undefined) {
      throw new ProtocolError('E_ILLEGAL_FRAME', illegalFrameReason(this.spec, this.current, frame));
    }
    this.current = next;
    return next;
  }

  /** May this side send `frame` now? */
  canSend(frame: FrameType): boolean {
    return this.spec.send[this.current][frame] !== undefined;
  }

  /** We send a frame: an illegal send is our own bug, so it throws an internal error. */
  sent(frame: FrameType): S {
    const next = this.spec.send[this.current][frame];
    if (next === undefined) throw new Error(`internal: ${this.spec.role} may not send ${frame} in state ${this.current}`);
    this.current = next;
    return next;
  }

  /** The transport closed. */
  close(): void {
    this.current = 'closed' as S;
  }
}
