// Public surface of the harness for experiments and the CLI: trace I/O,
// process supervision, agents, the wire protocol's types, and the run
// controller (replay, failover, output commit, equivalence).
export * from './run/index.js';
export { readPcap, writePcapFile, PcapWriter, traceInfo, decodePacket, type PcapRecord, type TraceInfo } from './pcap/index.js';
export { startProcess, killAll, type Subprocess, type RunRecord } from './process/index.js';
export { PrimaryAgent, StandbyAgent, MboxLink, type AgentOptions } from './agent/index.js';
export { MODELS, PROTOCOL_VERSION, type Model } from './protocol/index.js';
export { StatelabError, inputError, usageError } from './errors.js';
