// The harness shares the analyzer's error base class (imports flow harness → analyzer).
export { StatelabError, usageError, inputError, formatPlace } from '../analyzer/errors.js';
export type { ErrorCode, Place } from '../analyzer/errors.js';
