// Types of the StateAlyzr classification (paper §4, §5.1) and of the analysis report
// (DESIGN §8). Data only; the stages that compute it live beside this file.
import type { SourceLoc } from '../ir/types.js';

export const SCHEMA_VERSION = '1.0.0';

/** Canonical packet header field names (DESIGN §3, stage 5). */
export type HeaderField = string;

/** The verdicts a variable can receive, in the order the stages decide them. */
export type Verdict =
  | 'persistent'
  | 'topLevel'
  | 'updateable'
  | 'flowspace'
  | 'outsideFlowspace'
  | 'pktOutput'
  | 'logOutput';

/** Why a verdict was given: the statement that caused it and the chain from it to the variable. */
export interface Reason {
  verdict: Verdict;
  file: string;
  line: number;
  /** Source text of the statement. */
  text: string;
  /** How the statement reaches the variable, e.g. "writes tail via index → &tail". */
  chain: string;
}

export type ReportScope = 'global' | 'static' | 'local' | 'param';

export interface VariableReport {
  name: string;
  scope: ReportScope;
  /** Enclosing function for locals, params and function statics; null otherwise. */
  function: string | null;
  file: string;
  line: number;
  /** C type as written (typedef names kept). */
  type: string;
  persistent: boolean;
  topLevel: boolean;
  updateable: boolean;
  /** Header fields whose values select the entry a packet touches ([] when unkeyed). */
  flowspace: HeaderField[];
  /** A packet may update entries of this keyed variable outside its own flowspace (sweeps, resets). */
  outsideFlowspace: boolean;
  pktOutput: boolean;
  logOutput: boolean;
  reasons: Reason[];
}

/** The paper's Table 3 columns. */
export interface Counts {
  variables: number;
  persistent: number;
  topLevel: number;
  updateable: number;
  keyed: number;
  pktOutput: number;
  logOutput: number;
}

export interface StageTiming {
  stage: string;
  ms: number;
  /** Peak resident set size of the process at the end of the stage, MiB. */
  peakRssMiB: number;
}

export interface ReportWarning {
  file: string;
  line: number;
  message: string;
  function?: string;
}

/** A packet-receive site: where a packet enters, and the procedure holding the loop. */
export interface RecvSite {
  function: string;
  callee: string;
  file: string;
  line: number;
  text: string;
}

export interface AnalysisReport {
  schemaVersion: string;
  tool: { name: 'statelab'; version: string };
  program: { files: string[]; loc: number; functions: number };
  options: { pointer: 'andersen' | 'steensgaard'; fieldSensitive: boolean };
  /** Procedures holding the packet-processing loop (paper §4.1.1). */
  loopProcs: string[];
  recvSites: RecvSite[];
  counts: Counts;
  variables: VariableReport[];
  pktProcs: string[];
  unknownExternals: string[];
  warnings: ReportWarning[];
  timings: StageTiming[];
}

export type { SourceLoc };
