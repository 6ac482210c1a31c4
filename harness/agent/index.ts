// Public surface of harness/agent: the primary and standby WebSocket agents
// and the link to their middlebox process.
export { PrimaryAgent, type PrimaryEvents } from './primary.js';
export { StandbyAgent, type StandbyEvents } from './standby.js';
export { MboxLink } from './mbox-link.js';
export { Connection, type CloseInfo } from './connection.js';
export { DEFAULT_AGENT_OPTIONS, type AgentOptions, type AgentLogEvent } from './options.js';
export { SilenceDetector, stallSlackMs, type DetectorOptions } from './detector.js';
