// Public surface of harness/live: `statelab run --live` — network namespaces
// and veth pairs, injection and capture with cap, agents across the
// inter-host link, failover and the equivalence check on live output.
export { runLive } from './live-run.js';
export { DEFAULT_WINDOW, MAX_WINDOW, type LiveOptions, type LiveRunResult, type LiveFacts, type LiveCounts } from './types.js';
export { liveMissing, requireLive } from './prereq.js';
export { createTopology, leftovers, newTopologyId, type Topology, type LiveHost, type DataLink } from './netns.js';
export { maskWallClock } from './normalise.js';
export { dropFromPayload, dropFromFrame } from './drop-var.js';
export { loadLiveTrace, type LiveTrace } from './trace.js';
export { isIdle, waitIdle } from './idle.js';
