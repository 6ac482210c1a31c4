// analyzer/state: the StateAlyzr stages (paper §4, §5.1) over program, points-to and
// dependence queries; `classify` runs them in order and returns one verdict per variable.
import type { InstrId, Program, VarId } from '../ir/types.js';
import type { PointsTo } from '../pointer/types.js';
import type { Catalogs } from './catalogs.js';
import { typeToString, type DependenceQueries, type StageContext } from './context.js';
import { FlowspaceStage } from './flowspace.js';
import { findOutputSites, outputImpacting } from './output.js';
import { findLoopProcs, findRecvSites, LoopInfo, packetCode, packetCriteria, persistentVars } from './procedures.js';
import type { Counts, Reason, RecvSite, ReportScope, VariableReport } from './types.js';
import { topLevelVars, updateableVars } from './variables.js';

export * from './types.js';
export { DEFAULT_CATALOGS, buildCatalogs, headerField, HEADER_FIELDS } from './catalogs.js';
export type { Catalogs, CatalogExtensions, RecvEntry, PacketSource } from './catalogs.js';
export type { Criterion, DependenceQueries, StageContext } from './context.js';
export { headerFieldsIn } from './flowspace.js';
export { sdgQueries } from './deps.js';

export interface Classification {
  loopProcs: string[];
  recvSites: RecvSite[];
  /** The receive calls, as instructions (for slicing from them). */
  recvInstrs: InstrId[];
  pktProcs: string[];
  variables: VariableReport[];
  counts: Counts;
  /** Per-packet statements (the loop body and everything it reaches). */
  perPacket: ReadonlySet<InstrId>;
  outputSites: { pkt: InstrId[]; log: InstrId[] };
}

/** Runs one stage, reporting its time to `time` (for the report's per-stage timings). */
export type StageTimer = <T>(stage: string, run: () => T) => T;
const untimed: StageTimer = (_stage, run) => run();

/** Names of variables the report lists: everything a programmer declared (no temporaries or literals). */
function reportScope(program: Program, v: VarId): ReportScope | undefined {
  const s = program.vars[v].scope;
  return s === 'global' || s === 'static' || s === 'local' || s === 'param' ? s : undefined;
}

export function classify(
  program: Program,
  pts: PointsTo,
  deps: DependenceQueries,
  catalogs: Catalogs,
  time: StageTimer = untimed,
): Classification {
  const ctx: StageContext = { program, pts, deps, catalogs };
  const loops = new LoopInfo(program);

  const { sites, loopProcs, persistent } = time('persistent', () => {
    const sites = findRecvSites(ctx);
    const loopProcs = findLoopProcs(ctx, sites, loops);
    return { sites, loopProcs, persistent: persistentVars(program, loopProcs) };
  });
  const { criteria, callbacks } = packetCriteria(ctx, sites);
  const code = time('pktProcs', () => packetCode(ctx, sites, loopProcs, loops, criteria, callbacks));
  const topLevel = time('topLevel', () => topLevelVars(ctx, persistent, code.topLevelInstrs));
  const updateable = time('updateable', () => updateableVars(ctx, topLevel.keys(), code.instrs));
  const flowspace = time('flowspace', () => {
    return new FlowspaceStage(ctx, code.pktProcs, code.instrs, criteria).runAll(topLevel.keys());
  });
  const outputSites = findOutputSites(ctx);
  const { pktOut, logOut } = time('output', () => ({
    pktOut: outputImpacting(ctx, outputSites.pkt, updateable.keys(), 'pktOutput', code.instrs),
    logOut: outputImpacting(ctx, outputSites.log, updateable.keys(), 'logOutput', code.instrs),
  }));

  const variables: VariableReport[] = [];
  for (const v of persistent) {
    const scope = reportScope(program, v);
    if (!scope) continue;
    const info = program.vars[v];
    const fs = flowspace.get(v);
    const isUpd = updateable.has(v);
    const reasons: Reason[] = [];
    const add = (r: Reason | undefined) => r && reasons.push(r);
    add(topLevel.get(v));
    add(updateable.get(v));
    const keyed = fs !== undefined && fs.fields.length > 0;
    if (keyed) fs!.reasons.forEach(add);
    if (keyed && isUpd) add(fs!.outside);
    add(pktOut.get(v));
    add(logOut.get(v));
    variables.push({
      name: info.name,
      scope,
      function: info.function ?? null,
      file: info.loc.file,
      line: info.loc.line,
      type: typeToString(program, info.type),
      persistent: true,
      topLevel: topLevel.has(v),
      updateable: isUpd,
      flowspace: keyed ? fs!.fields : [],
      outsideFlowspace: keyed && isUpd && fs!.outside !== undefined,
      pktOutput: pktOut.has(v),
      logOutput: logOut.has(v),
      reasons,
    });
  }
  variables.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.name.localeCompare(b.name));

  const named = program.vars.filter((v) => reportScope(program, v.id) !== undefined).length;
  const counts: Counts = {
    variables: named,
    persistent: variables.length,
    topLevel: variables.filter((v) => v.topLevel).length,
    updateable: variables.filter((v) => v.updateable).length,
    keyed: variables.filter((v) => v.updateable && v.flowspace.length > 0).length,
    pktOutput: variables.filter((v) => v.pktOutput).length,
    logOutput: variables.filter((v) => v.logOutput).length,
  };
  const recvSites: RecvSite[] = sites.map((s) => {
    const i = program.instrs[s.instr];
    return { function: s.func, callee: s.callee, file: i.loc.file, line: i.loc.line, text: i.text };
  });
  return { loopProcs, recvSites, recvInstrs: sites.map((s) => s.instr), pktProcs: code.pktProcs, variables, counts, perPacket: code.instrs, outputSites };
}
