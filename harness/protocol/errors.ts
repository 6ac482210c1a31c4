// ProtocolError: a StatelabError (code E_PROTOCOL) carrying the protocol's
// stable reason code and the close code the connection ends with.
import { StatelabError } from '../errors.js';
import { MAX_REASON_BYTES } from './constants.js';
import { PROTOCOL_ERRORS, type ProtocolErrorCode } from './codes.js';

export class ProtocolError extends StatelabError {
  readonly reason: ProtocolErrorCode;
  readonly closeCode: number;
  /** Byte offset inside the frame where decoding failed, when known. */
  readonly offset?: number;

  constructor(reason: ProtocolErrorCode, detail: string, options?: { offset?: number; cause?: unknown }) {
    super('E_PROTOCOL', `${reason}: ${detail}`, { cause: options?.cause });
    this.name = 'ProtocolError';
    this.reason = reason;
    this.closeCode = PROTOCOL_ERRORS[reason].close;
    this.offset = options?.offset;
    this.detail = detail;
  }

  readonly detail: string;

  /** The close reason sent on the wire: the detail, cut to RFC 6455's 123 bytes. */
  get closeReason(): string {
    return truncateUtf8(this.detail, MAX_REASON_BYTES);
  }
}

export function truncateUtf8(s: string, maxBytes: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= maxBytes) return s;
  // Cut on a character boundary: drop continuation bytes at the cut.
  let end = maxBytes;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}
