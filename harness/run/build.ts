// The one seam between the run controller and middlebox builds: the plain
// build through the middlebox's Makefile, and the instrumented build of
// analyzer/instrument for the primary/standby pair.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { inputError, StatelabError } from '../errors.js';
import { buildMiddlebox } from '../../analyzer/instrument/index.js';

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
}

/**
 * The instrumented build through analyzer/instrument (analysis, hooks,
 * serializers, runtime). `deps` defaults to 'conservative' (sound, coarser,
 * fast): the SDG slicer takes many minutes on some middleboxes at this commit,
 * and a run checks soundness, which a coarser answer cannot break.
 */
export async function buildInstrumented(spec: MboxSpec, o: { outDir?: string; deps?: 'sdg' | 'conservative' } = {}): Promise<InstrumentedBuild> {
  await Promise.resolve();
  const r = buildMiddlebox(spec.dir, { deps: o.deps ?? 'conservative', ...(o.outDir === undefined ? {} : { outDir: o.outDir }) });
  if (r.plain || !existsSync(r.binary)) throw new StatelabError('E_BUILD', `instrumented build of ${spec.name} produced no binary at ${r.binary}`);
  return { binary: r.binary, transferred: r.variables.map((v) => v.name) };
}
