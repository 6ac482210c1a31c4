// Public surface of harness/process: supervised child processes with pipes and
// extra fds, bounded stderr capture, timeouts, TERM→KILL escalation, no orphans.
export { Subprocess, startProcess } from './subprocess.js';
export { killAll, liveCount } from './cleanup.js';
export { signalGroup, escalate } from './terminate.js';
export { resolveCommand } from './resolve-command.js';
export { DEFAULT_SPAWN_OPTIONS, type SpawnOptions, type RunRecord, type EndReason } from './types.js';
