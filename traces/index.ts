// Public surface of traces/: the seeded traffic generator used by
// `statelab trace gen`, and the MANIFEST of the committed traces.
export {
  generatePackets,
  generateTrace,
  parseMix,
  allocate,
  DEFAULT_GEN,
  DEFAULT_MIX,
  SESSION_KINDS,
  type GenOptions,
  type Mix,
  type SessionKind,
} from './gen/generate.js';
export { MALFORMED_KINDS, type MalformedKind } from './gen/malformed.js';
export { Prng } from './gen/prng.js';
export { readManifest, verifyManifest, type ManifestEntry } from './manifest.js';
