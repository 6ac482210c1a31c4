// Public surface of harness/run: the run controller (replay, failover, output
// commit), the equivalence checker, launchers and the run record types.
export { run, runWithSpec } from './controller.js';
export { runPair, type PairOptions, type PairOutcome } from './pair.js';
export { runSingle, outputFiles } from './single.js';
export { scanTrace, replay, replayImage, replayFromImage, type TraceFacts, type ReplayOptions, type ReplayImage } from './replay.js';
export { readOutputs, type OutputFiles, type Outputs, type OutMarks } from './outputs.js';
export {
  compareLogs,
  comparePackets,
  describeDifference,
  logLines,
  toOutPackets,
  type Difference,
  type LogDifference,
  type PacketDifference,
  type OutPacket,
} from './equivalence.js';
export { parseFailover, resolveFailover, seededRandom, type FailoverSpec, type ResolvedFailover } from './failover-spec.js';
export { loadMbox, buildPlain, buildInstrumented, buildKey, BUILD_DEPS, type MboxSpec, type InstrumentedBuild } from './build.js';
export { plainLauncher, instrumentedLauncher, commandLauncher } from './launcher.js';
export type { Launcher, Role, RunOptions, RunResult, ProcessTail, FailoverBreakdown } from './types.js';
