// The one error base class of statelab, with a stable code and the exit status
// the CLI uses for it (DESIGN §8: 1 = a check failed, 2 = bad usage or input).

export type ErrorCode =
  | 'E_USAGE'
  | 'E_INPUT'
  | 'E_PREPROCESS'
  | 'E_PARSE'
  | 'E_PCAP'
  | 'E_BUILD'
  | 'E_PROTOCOL'
  | 'E_PROCESS'
  | 'E_CHECK_FAILED'
  | 'E_INTERNAL';

export interface Place {
  file: string;
  line?: number;
  column?: number;
  /** Byte offset, for binary inputs such as traces. */
  offset?: number;
}

export function formatPlace(p: Place): string {
  let s = p.file;
  if (p.line !== undefined) s += `:${p.line}`;
  if (p.line !== undefined && p.column !== undefined) s += `:${p.column}`;
  if (p.offset !== undefined) s += ` (byte ${p.offset})`;
  return s;
}

export class StatelabError extends Error {
  readonly code: ErrorCode;
  readonly place?: Place;

  constructor(code: ErrorCode, message: string, options?: { place?: Place; cause?: unknown }) {
    super(options?.place ? `${formatPlace(options.place)}: ${message}` : message, { cause: options?.cause });
    this.name = 'StatelabError';
    this.code = code;
    this.place = options?.place;
  }

  /** DESIGN §8: 1 when a check fails, 2 on bad usage or input, 70 for internal faults. */
  get exitCode(): number {
    if (this.code === 'E_CHECK_FAILED') return 1;
    if (this.code === 'E_INTERNAL') return 70;
    return 2;
  }
}

export function usageError(message: string): StatelabError {
  return new StatelabError('E_USAGE', message);
}

export function inputError(message: string, place?: Place, cause?: unknown): StatelabError {
  return new StatelabError('E_INPUT', message, { place, cause });
}
