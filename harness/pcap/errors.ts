// E_PCAP errors: every one names the file and the byte offset where the trace
// stopped making sense, so a user can open it in a hex editor at that place.
import { StatelabError } from '../errors.js';

export function pcapError(file: string, offset: number, message: string): StatelabError {
  return new StatelabError('E_PCAP', message, { place: { file, offset } });
}
