// SARIF 2.1.0 for editors and code-scanning views: one result per state variable,
// located at its declaration, with the statements behind each verdict as related locations.
import { relative } from 'node:path';
import type { AnalysisReport, VariableReport } from '../state/types.js';

const RULES = [
  { id: 'SA001', name: 'UpdateableState', short: 'Per-/cross-flow state updated by packets', level: 'warning' },
  { id: 'SA002', name: 'ReadOnlyTopLevelState', short: 'State used in packet processing but never updated by packets', level: 'note' },
] as const;

function ruleFor(v: VariableReport): (typeof RULES)[number] {
  return v.updateable ? RULES[0] : RULES[1];
}

function uri(file: string, baseDir: string | undefined): string {
  const rel = baseDir ? relative(baseDir, file) : file;
  return rel.split('\\').join('/');
}

function message(v: VariableReport): string {
  const parts = [`\`${v.name}\` (${v.type}) is ${v.updateable ? 'updateable' : 'read-only'} per-/cross-flow state`];
  if (v.flowspace.length) parts.push(`keyed by ${v.flowspace.join(', ')}`);
  if (v.outsideFlowspace) parts.push('updated outside its flowspace');
  const outs = [v.pktOutput && 'packet output', v.logOutput && 'log output'].filter(Boolean);
  if (outs.length) parts.push(`affects ${outs.join(' and ')}`);
  return parts.join('; ') + '.';
}

export function toSarif(r: AnalysisReport, opts: { baseDir?: string } = {}): object {
  const results = r.variables
    .filter((v) => v.topLevel)
    .map((v) => {
      const rule = ruleFor(v);
      return {
        ruleId: rule.id,
        ruleIndex: RULES.indexOf(rule),
        level: rule.level,
        message: { text: message(v) },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: uri(v.file, opts.baseDir), uriBaseId: opts.baseDir ? 'SRCROOT' : undefined },
              region: { startLine: Math.max(1, v.line) },
            },
            logicalLocations: [{ name: v.name, fullyQualifiedName: v.function ? `${v.function}::${v.name}` : v.name, kind: 'variable' }],
          },
        ],
        relatedLocations: v.reasons.map((reason, i) => ({
          id: i,
          message: { text: `${reason.verdict}: \`${reason.text}\` ${reason.chain}`.trim() },
          physicalLocation: {
            artifactLocation: { uri: uri(reason.file, opts.baseDir), uriBaseId: opts.baseDir ? 'SRCROOT' : undefined },
            region: { startLine: Math.max(1, reason.line) },
          },
        })),
        properties: {
          updateable: v.updateable,
          flowspace: v.flowspace,
          outsideFlowspace: v.outsideFlowspace,
          pktOutput: v.pktOutput,
          logOutput: v.logOutput,
        },
      };
    });
  return JSON.parse(
    JSON.stringify({
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'statelab',
              version: r.tool.version,
              informationUri: 'https://doi.org/10.5555/2930611.2930642',
              rules: RULES.map((rule) => ({
                id: rule.id,
                name: rule.name,
                shortDescription: { text: rule.short },
                defaultConfiguration: { level: rule.level },
              })),
            },
          },
          originalUriBaseIds: opts.baseDir ? { SRCROOT: { uri: `file://${opts.baseDir.replace(/\/?$/, '/')}` } } : undefined,
          results,
        },
      ],
    }),
  );
}
