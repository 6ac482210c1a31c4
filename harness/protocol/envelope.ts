// The envelopes exchanged by a primary and a standby agent (DESIGN §5), one
// interface per frame kind; README.md in this folder documents each field.
import type { FrameType, Model, ResyncReason, Role } from './constants.js';
import type { ProtocolErrorCode } from './codes.js';

/** First frame of each side: a fresh random nonce the peer must MAC. */
export interface Challenge {
  t: 'challenge';
  v: number;
  nonce: Buffer;
}

/** Answer to the peer's challenge: HMAC-SHA256 over it, binding role and model. */
export interface Hello {
  t: 'hello';
  v: number;
  role: Role;
  model: Model;
  auth: Buffer;
}

/** One packet's state, exported by the primary middlebox after packet `pkt`. */
export interface State {
  t: 'state';
  seq: number;
  pkt: number;
  model: Model;
  payload: Buffer;
  /** Cumulative byte sizes of the primary middlebox's output files after this packet. */
  out?: number[];
}

/** Full state as of sequence number `seq`; the next state frame is seq + 1. */
export interface Snapshot {
  t: 'snapshot';
  seq: number;
  pkt: number;
  model: Model;
  payload: Buffer;
  out?: number[];
}

/** The standby process has applied every frame up to and including `seq`. */
export interface Ack {
  t: 'ack';
  seq: number;
}

/** Liveness from the primary; `n` counts heartbeats on this connection. */
export interface Heartbeat {
  t: 'heartbeat';
  n: number;
}

/** Standby asks for a full snapshot; `last` is its last applied seq or -1. */
export interface Resync {
  t: 'resync';
  reason: ResyncReason;
  last: number;
}

/** The standby process must go live once it has applied `seq`. */
export interface Takeover {
  t: 'takeover';
  seq: number;
}

/** Orderly end of the session. */
export interface Bye {
  t: 'bye';
  reason: string;
}

/** The sender is closing because of `code`; `reason` says why in words. */
export interface ErrorFrame {
  t: 'error';
  code: ProtocolErrorCode;
  reason: string;
}

export type Envelope = Challenge | Hello | State | Snapshot | Ack | Heartbeat | Resync | Takeover | Bye | ErrorFrame;

export type EnvelopeOf<T extends FrameType> = Extract<Envelope, { t: T }>;
