// Public surface of harness/protocol: the agent wire protocol without I/O —
// envelopes, codec, validation, error codes, state machines, auth, limits.
export * from './constants.js';
export * from './codes.js';
export { ProtocolError, truncateUtf8 } from './errors.js';
export type * from './envelope.js';
export { encodeEnvelope, decodeEnvelope, maxFrameBytes, DEFAULT_CODEC_LIMITS, type CodecLimits } from './codec.js';
export { validateEnvelope, isFrameType, ENVELOPE_FIELDS } from './validate.js';
export { scanFlatMap, decodeFlatMap } from './scan.js';
export {
  PRIMARY_SPEC,
  STANDBY_SPEC,
  PRIMARY_STATES,
  STANDBY_STATES,
  StateMachine,
  illegalReceipts,
  illegalFrameReason,
  type MachineSpec,
  type PrimaryState,
  type StandbyState,
  type Transitions,
} from './machine.js';
export { newNonce, helloMac, verifyHelloMac, MIN_KEY_BYTES } from './auth.js';
export { RateLimiter } from './rate.js';
export { transitionTableMarkdown, errorTableMarkdown } from './describe.js';
export { classifySeq, type SeqVerdict } from './sequence.js';
export * from './local.js';
