// Linking translation units: one Variable per extern global, file statics and
// static functions kept apart per file, mbox.json manifests, compile_commands.json.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProgram } from '../../../analyzer/frontend/index.js';
import type { Call, Program } from '../../../analyzer/ir/types.js';
import { validateProgram } from '../../../analyzer/ir/validate.js';
import { FIXTURES, fn, instrs, markerLine, onLine, vars } from './helpers.js';

const DIR = join(FIXTURES, 'multi');
const MAIN = join(DIR, 'main.c');
const STATS = join(DIR, 'stats.c');
let p: Program;

beforeAll(() => {
  p = loadProgram([DIR]);
});

describe('front end: linking', () => {
  it('reads exactly the units the manifest lists, with its flags (-I, -D; -O2 dropped)', () => {
    expect(p.units.map((u) => u.file.split('/').slice(-2).join('/'))).toEqual(['multi/main.c', 'multi/stats.c', 'multi-common/pkt.c']);
    expect(validateProgram(p)).toEqual([]);
    expect(p.diagnostics).toEqual([]);
    // -DMULTI_LIMIT=7 reached the preprocessor.
    expect(instrs(fn(p, 'main')).some((i) => i.kind === 'store' && i.src.kind === 'const' && i.src.text === '7')).toBe(true);
  });

  it('an extern global and its definition are one Variable, located at the definition', () => {
    const totals = vars(p, 'total');
    expect(totals).toHaveLength(1);
    expect(totals[0].scope).toBe('global');
    expect(totals[0].loc.file.endsWith('stats.c')).toBe(true);
    expect(totals[0].loc.line).toBe(markerLine(STATS, 'stats-total'));
    const write = onLine(fn(p, 'main'), markerLine(MAIN, 'main-total')).find((i) => i.kind === 'copy' && i.op === '=');
    expect(write).toMatchObject({ dst: totals[0].id });
  });

  it('two file statics with one name are two variables, each used by its own file', () => {
    const counts = vars(p, 'count');
    expect(counts).toHaveLength(2);
    expect(counts.every((v) => v.scope === 'static' && v.function === undefined)).toBe(true);
    const mainCount = counts.find((v) => v.loc.file.endsWith('main.c'))!;
    const statsCount = counts.find((v) => v.loc.file.endsWith('stats.c'))!;
    expect(mainCount.loc.line).toBe(markerLine(MAIN, 'main-count'));
    expect(statsCount.loc.line).toBe(markerLine(STATS, 'stats-count'));
    expect(instrs(fn(p, 'main.c:bump')).some((i) => i.kind === 'copy' && i.dst === mainCount.id)).toBe(true);
    expect(instrs(fn(p, 'stats.c:bump')).some((i) => i.kind === 'copy' && i.dst === statsCount.id)).toBe(true);
  });

  it('static functions with one name get file-qualified keys and each file calls its own', () => {
    expect([...p.functions.keys()].filter((k) => k.endsWith('bump')).sort()).toEqual(['main.c:bump', 'stats.c:bump']);
    expect(fn(p, 'main.c:bump').isStatic).toBe(true);
    const c1 = onLine(fn(p, 'main'), markerLine(MAIN, 'main-call-bump'))[0] as Call;
    const c2 = onLine(fn(p, 'record'), markerLine(STATS, 'stats-call-bump'))[0] as Call;
    expect(c1.callee).toBe('main.c:bump');
    expect(c2.callee).toBe('stats.c:bump');
    expect(p.vars.filter((v) => v.function === 'main.c:bump' || v.function === 'stats.c:bump').length).toBeGreaterThan(0);
  });

  it('calls across units use the defining function key; nothing defined is external', () => {
    const calls = instrs(fn(p, 'main')).filter((i): i is Call => i.kind === 'call').map((c) => c.callee);
    expect(calls).toEqual(['main.c:bump', 'record', 'pkt_len']);
    expect([...p.externals]).toEqual([]);
    expect(fn(p, 'pkt_len').loc.file.endsWith('multi-common/pkt.c')).toBe(true);
  });

  it('a static function whose name is unique keeps its plain name', () => {
    const q = loadProgram([join(FIXTURES, 'constructs.c')]);
    expect(q.functions.has('on_tcp')).toBe(true);
    expect(q.functions.get('on_tcp')!.isStatic).toBe(true);
  });
});

describe('front end: compile_commands.json', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'statelab-cc-'));
    writeFileSync(
      join(dir, 'compile_commands.json'),
      JSON.stringify([
        { directory: join(FIXTURES, 'multi'), file: 'main.c', command: 'cc -O2 -g -I../multi-common "-DMULTI_LIMIT=9" -c main.c -o main.o' },
        { directory: join(FIXTURES, 'multi'), file: 'stats.c', arguments: ['cc', '-I../multi-common', '-c', 'stats.c'] },
        { directory: join(FIXTURES, 'multi-common'), file: 'pkt.c', arguments: ['cc', '-c', 'pkt.c'] },
      ]),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes each unit with its own flags relative to its directory', () => {
    const q = loadProgram([join(dir, 'compile_commands.json')]);
    expect(q.units).toHaveLength(3);
    expect(vars(q, 'total')).toHaveLength(1);
    expect(instrs(fn(q, 'main')).some((i) => i.kind === 'store' && i.src.kind === 'const' && i.src.text === '9')).toBe(true);
    expect(validateProgram(q)).toEqual([]);
  });
});
