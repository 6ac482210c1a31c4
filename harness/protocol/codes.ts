// The stable error codes of the agent protocol, each with its WebSocket close
// code and default reason — made in this one place (as ws's lib/constants.js).

export const PROTOCOL_ERRORS = {
  E_MALFORMED: { close: 4400, reason: 'malformed frame' },
  E_INVALID_FIELD: { close: 4422, reason: 'invalid field' },
  E_TOO_LARGE: { close: 1009, reason: 'frame too large' },
  E_RATE: { close: 4429, reason: 'frame rate limit exceeded' },
  E_AUTH: { close: 4401, reason: 'authentication failed' },
  E_VERSION: { close: 4426, reason: 'unsupported protocol version' },
  E_ROLE: { close: 4409, reason: 'peer has the wrong role' },
  E_MODEL: { close: 4412, reason: 'transfer model mismatch' },
  E_ILLEGAL_FRAME: { close: 4405, reason: 'frame illegal in current state' },
  E_REPLAY: { close: 4408, reason: 'replayed sequence number' },
  E_TAKEOVER: { close: 4417, reason: 'takeover does not match applied state' },
  E_HANDSHAKE_TIMEOUT: { close: 4000, reason: 'handshake timeout' },
  E_PEER_DEAD: { close: 4001, reason: 'heartbeat timeout: peer dead' },
  E_PEER_ERROR: { close: 4002, reason: 'peer reported an error' },
  E_MBOX: { close: 4500, reason: 'middlebox link failed' },
  E_INTERNAL: { close: 1011, reason: 'internal error' },
} as const;

export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS;

export function isProtocolErrorCode(s: unknown): s is ProtocolErrorCode {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(PROTOCOL_ERRORS, s);
}

/** Normal closure after bye (RFC 6455). */
export const CLOSE_NORMAL = 1000;
