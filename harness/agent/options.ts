// Agent options with documented defaults, and the log event every agent emits.
import {
  DEFAULT_HANDSHAKE_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_FRAMES_PER_SECOND,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MISS_LIMIT,
  type Model,
} from '../protocol/index.js';

export interface AgentOptions {
  /** Shared HMAC key (at least 16 bytes). */
  key: Buffer;
  /** Transfer model both sides must agree on. */
  model: Model;
  /** Primary: send a heartbeat this often. Standby: expect one this often. */
  heartbeatMs?: number;
  /** Standby: the peer is dead after this many heartbeat intervals of silence. */
  missLimit?: number;
  /** Time from connection open to authenticated. */
  handshakeMs?: number;
  /** Largest state payload accepted (ws maxPayload is this plus envelope overhead). */
  maxPayloadBytes?: number;
  /** Frames per second a peer may send before it is rejected. */
  maxFramesPerSecond?: number;
  /** Primary: drop a standby that acknowledges nothing new for this long while frames are outstanding. */
  ackTimeoutMs?: number;
  /** How long a closing peer gets to finish the close handshake. */
  closeTimeoutMs?: number;
  /** Where events go (one line each in the CLI). */
  log?: (event: AgentLogEvent) => void;
}

export type ResolvedAgentOptions = Required<Omit<AgentOptions, 'ackTimeoutMs'>> & Pick<AgentOptions, 'ackTimeoutMs'>;

export const DEFAULT_ACK_TIMEOUT_MS = 1_000;

export const DEFAULT_AGENT_OPTIONS = {
  heartbeatMs: DEFAULT_HEARTBEAT_MS,
  missLimit: DEFAULT_MISS_LIMIT,
  handshakeMs: DEFAULT_HANDSHAKE_MS,
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  maxFramesPerSecond: DEFAULT_MAX_FRAMES_PER_SECOND,
  closeTimeoutMs: 1_000,
  log: () => {},
} satisfies Omit<ResolvedAgentOptions, 'key' | 'model'>;

export function resolveOptions(o: AgentOptions): ResolvedAgentOptions {
  return { ...DEFAULT_AGENT_OPTIONS, ...o } as ResolvedAgentOptions;
}

export interface AgentLogEvent {
  level: 'info' | 'warn' | 'error';
  /** Connection number (1, 2, ...) or 0 for the agent itself. */
  conn: number;
  event: string;
  detail?: string;
}
