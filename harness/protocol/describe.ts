// Renders the state machines and error codes as Markdown tables, so README.md
// is generated from the same tables the agents run (a test checks they agree).
import { FRAME_TYPES } from './constants.js';
import { PROTOCOL_ERRORS } from './codes.js';
import type { MachineSpec } from './machine.js';

/** One row per state: for each frame received, the next state (— when illegal). */
export function transitionTableMarkdown<S extends string>(spec: MachineSpec<S>, dir: 'recv' | 'send'): string {
  const head = `| ${spec.role} state | ${FRAME_TYPES.join(' | ')} |`;
  const rule = `|---|${FRAME_TYPES.map(() => '---').join('|')}|`;
  const rows = spec.states.map((s) => `| ${s} | ${FRAME_TYPES.map((f) => spec[dir][s][f] ?? '—').join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

export function errorTableMarkdown(): string {
  const rows = Object.entries(PROTOCOL_ERRORS).map(([code, e]) => `| ${code} | ${e.close} | ${e.reason} |`);
  return ['| code | close code | meaning |', '|---|---|---|', ...rows].join('\n');
}
