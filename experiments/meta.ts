// Who, what and where produced a result (ResultMeta): the commit and whether the tree
// was dirty, the machine, the inputs' hashes; and the code stamp that keys journals.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cpus, hostname, release, totalmem, type } from 'node:os';
import { PACKAGE_ROOT } from '../analyzer/paths.js';
import { scanTrace } from '../harness/index.js';
import type { ResultMeta } from './types.js';

/** The code whose change makes a journaled unit stale: analysis, instrumentation, harness, middleboxes. */
const CODE_PATHS = ['analyzer', 'harness', 'middleboxes'];

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 }).trim();
  } catch {
    return null;
  }
}

export interface Provenance {
  commit: string;
  dirty: boolean;
  /** Last commit touching CODE_PATHS plus a hash of their uncommitted changes: the journal key. */
  codeStamp: string;
}

let cached: Provenance | null = null;

/** Computed once per process: a sweep's units all carry the stamp of the code it started with. */
export function provenance(): Provenance {
  if (cached) return cached;
  const commit = git(['rev-parse', '--short', 'HEAD']);
  if (commit === null) {
    // A tarball without .git: the package version is the best stamp there is.
    const v = (process.env.npm_package_version ?? 'unknown') as string;
    cached = { commit: `no-git(${v})`, dirty: false, codeStamp: `no-git-${v}` };
    return cached;
  }
  const dirty = (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
  const last = git(['log', '-1', '--format=%h', '--', ...CODE_PATHS]) ?? commit;
  const diff = git(['diff', 'HEAD', '--', ...CODE_PATHS]) ?? '';
  const untracked = git(['ls-files', '--others', '--exclude-standard', '--', ...CODE_PATHS]) ?? '';
  const local = diff || untracked ? '+' + createHash('sha256').update(diff).update(untracked).digest('hex').slice(0, 12) : '';
  cached = { commit, dirty, codeStamp: last + local };
  return cached;
}

export function machine(): ResultMeta['machine'] {
  const c = cpus();
  return {
    hostname: hostname(),
    cpus: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function traceInput(path: string): Promise<ResultMeta['inputs']['traces'][number]> {
  const [sha256, facts] = await Promise.all([sha256File(path), scanTrace(path)]);
  return { path, sha256, packets: facts.packets };
}

export function buildMeta(
  experiment: string,
  startedAt: number,
  inputs: ResultMeta['inputs'],
  seeds: Record<string, number>,
  args: Record<string, unknown>,
): ResultMeta {
  const p = provenance();
  return {
    schemaVersion: 1,
    experiment,
    date: new Date().toISOString(),
    commit: p.commit,
    dirty: p.dirty,
    machine: machine(),
    inputs,
    seeds,
    args,
    elapsedMs: Math.round(performance.now() - startedAt),
  };
}
