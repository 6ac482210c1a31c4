// Protocol-wide constants of the statelab agent wire protocol: version, frame
// kinds, roles, transfer models and the default limits (one place, as in ws).

/** Bumped on any incompatible change of an envelope or of the handshake. */
export const PROTOCOL_VERSION = 1;

/** Envelope kinds on the WebSocket, in the paper's words where it has them. */
export const FRAME_TYPES = [
  'challenge',
  'hello',
  'state',
  'snapshot',
  'ack',
  'heartbeat',
  'resync',
  'takeover',
  'bye',
  'error',
] as const;
export type FrameType = (typeof FRAME_TYPES)[number];

export const ROLES = ['primary', 'standby'] as const;
export type Role = (typeof ROLES)[number];

/** The three transfer models of paper §7.2 (DESIGN §4). */
export const MODELS = ['all', 'flowspace', 'flowspace+updated'] as const;
export type Model = (typeof MODELS)[number];

/** Why a standby asks for a full state snapshot. */
export const RESYNC_REASONS = ['connect', 'reconnect', 'gap'] as const;
export type ResyncReason = (typeof RESYNC_REASONS)[number];

export const NONCE_BYTES = 32;
export const MAC_BYTES = 32; // HMAC-SHA256

/** Largest state payload the protocol carries (a full snapshot of a big middlebox fits). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
/** Envelope overhead above the payload: map header, keys, integers, bin header. */
export const ENVELOPE_OVERHEAD_BYTES = 256;
/** Text fields (bye/error reasons) fit a WebSocket close reason (RFC 6455: 123 bytes). */
export const MAX_REASON_BYTES = 123;
/** Default receive rate limit, frames per second per connection. */
export const DEFAULT_MAX_FRAMES_PER_SECOND = 200_000;
/** Heartbeat defaults: interval and how many may be missed before the peer is dead. */
export const DEFAULT_HEARTBEAT_MS = 10;
export const DEFAULT_MISS_LIMIT = 3;
/** Time allowed from connection open to authenticated. */
export const DEFAULT_HANDSHAKE_MS = 2_000;
/** Largest sequence number (seq and pkt are non-negative safe integers). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;
/** Local frames (middlebox <-> agent byte stream): u32 big-endian length prefix. */
export const LOCAL_LENGTH_BYTES = 4;
