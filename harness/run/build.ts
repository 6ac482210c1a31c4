// The one seam between the run controller and middlebox builds: the plain
// build through the middlebox's Makefile, and the instrumented build of
// analyzer/instrument for the primary/standby pair.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inputError, StatelabError } from '../errors.js';
import { buildMiddlebox, RUNTIME_DIR, type BuildReport } from '../../analyzer/instrument/index.js';

const run = promisify(execFile);

/** What `mbox.json` says about a middlebox. */
export interface MboxSpec {
  dir: string;
  name: string;
  args: string[];
  onPath: boolean;
}

export function loadMbox(dir: string): MboxSpec {
  const abs = resolve(dir);
  const file = join(abs, 'mbox.json');
  if (!existsSync(file)) throw inputError('not a middlebox folder: no mbox.json', { file });
  let j: { name?: unknown; args?: unknown; onPath?: unknown };
  try {
    j = JSON.parse(readFileSync(file, 'utf8')) as typeof j;
  } catch (e) {
    throw inputError(`invalid JSON: ${(e as Error).message}`, { file });
  }
  const name = typeof j.name === 'string' ? j.name : basename(abs);
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw inputError(`"name" must be a plain identifier, got ${JSON.stringify(name)}`, { file });
  const args = j.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw inputError('"args" must be a list of strings', { file });
  return { dir: abs, name, args: args as string[], onPath: j.onPath === true };
}

/** `make` in the middlebox folder; returns the plain binary `build/<name>`. */
export async function buildPlain(spec: MboxSpec): Promise<string> {
  try {
    await run('make', ['-s', `build/${spec.name}`], { cwd: spec.dir, maxBuffer: 4 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new StatelabError('E_BUILD', `make failed in ${spec.dir}: ${(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' | ')}`);
  }
  const bin = join(spec.dir, 'build', spec.name);
  if (!existsSync(bin)) throw new StatelabError('E_BUILD', `make succeeded but ${bin} does not exist`);
  return bin;
}

/** The instrumented binary; each role adds `--sa-mode primary|standby --sa-model <model>`. */
export interface InstrumentedBuild {
  binary: string;
  /** What the analysis decided moves (for the run record). */
  transferred: string[];
  deps: 'sdg' | 'conservative';
  /** Reused from the build cache (same sources, runtime, analyzer and deps). */
  cached: boolean;
}

/**
 * Dependence answers per middlebox. 'sdg' (the StateAlyzr slices) everywhere:
 * it is what the paper's models mean, and the sweep checks it is sound. A
 * middlebox listed here with 'conservative' must say why.
 */
export const BUILD_DEPS: Readonly<Record<string, { deps: 'sdg' | 'conservative'; why: string }>> = {};

/** Every file whose change can change the instrumented binary, in a stable order. */
function buildInputs(spec: MboxSpec): string[] {
  const files = new Set<string>();
  const walk = (dir: string, keep: (f: string) => boolean, depth = 4): void => {
    if (depth < 0 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'build' || e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, keep, depth - 1);
      else if (keep(p)) files.add(p);
    }
  };
  const manifest = join(spec.dir, 'mbox.json');
  files.add(manifest);
  const m = JSON.parse(readFileSync(manifest, 'utf8')) as { sources?: unknown; cflags?: unknown };
  const cSide = (f: string): boolean => /\.(c|h)$/.test(f);
  // The sources' folders and -I folders (e.g. ../common), for the headers they include.
  const dirs = new Set<string>([spec.dir]);
  for (const s of Array.isArray(m.sources) ? m.sources : []) if (typeof s === 'string') dirs.add(dirname(resolve(spec.dir, s)));
  for (const f of Array.isArray(m.cflags) ? m.cflags : []) if (typeof f === 'string' && f.startsWith('-I')) dirs.add(resolve(spec.dir, f.slice(2)));
  for (const d of dirs) walk(d, cSide, 0);
  walk(RUNTIME_DIR, cSide, 0);
  // The analyzer in the form that runs (sources under vitest/vite-node, dist/ for the built CLI).
  walk(fileURLToPath(new URL('../../analyzer/', import.meta.url)), (f) => /\.(ts|js)$/.test(f));
  return [...files].sort();
}

/** Hash of the dependence mode and every build input: names the cache folder. */
export function buildKey(spec: MboxSpec, deps: 'sdg' | 'conservative'): string {
  const h = createHash('sha256').update(`statelab-build/1\0${deps}\0`);
  for (const f of buildInputs(spec)) h.update(f).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

const memo = new Map<string, Promise<InstrumentedBuild>>();

/**
 * The instrumented build through analyzer/instrument (analysis, hooks,
 * serializers, runtime), cached per middlebox, dependence mode and hash of
 * every input (middlebox sources, runtime, analyzer code) in
 * `<mbox>/build/sa-<deps>-<hash>`: a sweep, or several test files running at
 * once, analyse and compile each middlebox once. A build is made in a private
 * folder and renamed into place, so concurrent builders never see half a build.
 */
export function buildInstrumented(spec: MboxSpec, o: { outDir?: string; deps?: 'sdg' | 'conservative' } = {}): Promise<InstrumentedBuild> {
  const deps = o.deps ?? BUILD_DEPS[spec.name]?.deps ?? 'sdg';
  if (o.outDir !== undefined) return Promise.resolve().then(() => freshBuild(spec, deps, o.outDir!));
  const key = buildKey(spec, deps);
  const dir = join(spec.dir, 'build', `sa-${deps}-${key}`);
  let p = memo.get(dir);
  if (!p) {
    p = Promise.resolve().then(() => cachedBuild(spec, deps, dir));
    memo.set(dir, p);
    p.catch(() => memo.delete(dir));
  }
  return p;
}

function fromReport(dir: string, deps: 'sdg' | 'conservative', cached: boolean): InstrumentedBuild | null {
  const file = join(dir, 'build-report.json');
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, 'utf8')) as BuildReport;
  const binary = join(dir, basename(r.binary));
  if (!existsSync(binary)) return null;
  return { binary, transferred: r.variables.map((v) => v.name), deps, cached };
}

function cachedBuild(spec: MboxSpec, deps: 'sdg' | 'conservative', dir: string): InstrumentedBuild {
  const hit = fromReport(dir, deps, true);
  if (hit) return hit;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    freshBuild(spec, deps, tmp);
    try {
      renameSync(tmp, dir);
    } catch {
      // another process finished the same build first: use theirs
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const built = fromReport(dir, deps, false);
  if (!built) throw new StatelabError('E_BUILD', `instrumented build of ${spec.name} left no binary in ${dir}`);
  return built;
}

function freshBuild(spec: MboxSpec, deps: 'sdg' | 'conservative', outDir: string): InstrumentedBuild {
  const r = buildMiddlebox(spec.dir, { deps, outDir });
  if (r.plain || !existsSync(r.binary)) throw new StatelabError('E_BUILD', `instrumented build of ${spec.name} produced no binary at ${r.binary}`);
  return { binary: r.binary, transferred: r.variables.map((v) => v.name), deps, cached: false };
}
