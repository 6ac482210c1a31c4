// Data-driven checks of every middlebox (each middleboxes/*/mbox.json): build,
// ground truth, runs on all traces, sanitizers, determinism, fuzzing.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMMITTED_TRACES_DIR,
  Limiter,
  MIDDLEBOXES_DIR,
  type Middlebox,
  SANITIZER_ENV,
  SHARED_TRACES_DIR,
  baseFrames,
  discoverMiddleboxes,
  firstDifference,
  make,
  malformedTrace,
  manifestProblems,
  readPcap,
  run,
  sanitizerFindings,
  tempDir,
  traceFiles,
} from './helpers.js';

/** Seconds each libFuzzer target runs (CI keeps it short; raise locally to hunt). */
const FUZZ_SECONDS = Number(process.env.STATELAB_FUZZ_SECONDS ?? 10);
/** Every process this file starts goes through one limit (2 cores shared). */
const procs = new Limiter(2);

const mboxes = discoverMiddleboxes();
const committed = traceFiles(COMMITTED_TRACES_DIR);
const shared = traceFiles(SHARED_TRACES_DIR);
const work = tempDir('mbox');
const generatedMalformed = join(work, 'generated-malformed.pcap');
const seedCorpus = join(work, 'seeds');
const builds = new Map<string, { code: number; output: string }>();

/** Shared traces small and varied enough for the determinism, stdin and sanitizer passes. */
const SELECTED_SHARED = ['tcpreplay-test-mixed.pcap', 'http-simple.pcap', 'ctu-infected-lan-mixed.pcap', 'ftp-bruteforce-1400conns.pcap'];
const selectedShared = SELECTED_SHARED.map((f) => join(SHARED_TRACES_DIR, f)).filter((f) => existsSync(f));

const CANONICAL_FIELDS = new Set(
  'eth.src eth.dst eth.type vlan.id ip.src ip.dst ip.proto ip.ttl ip.tos ip.id ip6.src ip6.dst ip6.nxt l4.sport l4.dport tcp.flags tcp.seq tcp.ack icmp.type icmp.code icmp.id'.split(' '),
);
const REQUIRED_FLAGS = ['-std=c11', '-D_DEFAULT_SOURCE', '-Wall', '-Wextra', '-Werror'];

/**
 * The suite builds into build/suite (mbox.mk's BUILD) so that it never rewrites
 * a binary another test file is running; a Makefile without BUILD support
 * leaves its binaries in build/, which is used then.
 */
const SUITE_BUILD = 'build/suite';
function bin(m: Middlebox, variant: '' | '-asan' | '-fuzz'): string {
  const own = join(m.dir, SUITE_BUILD, `${m.manifest.name}${variant}`);
  return existsSync(own) ? own : join(m.dir, 'build', `${m.manifest.name}${variant}`);
}

interface MboxRun {
  code: number | null;
  stderr: string;
  log: Buffer;
  pcap?: Buffer;
  findings: string[];
}

let runSeq = 0;
/** Runs a middlebox on a trace as the harness does (folder as cwd, manifest args + I/O options). */
async function runOn(m: Middlebox, variant: '' | '-asan', trace: string, opts: { stdin?: boolean } = {}): Promise<MboxRun> {
  const tag = `${m.manifest.name}${variant}-${runSeq++}`;
  const log = join(work, `${tag}.log`);
  const out = join(work, `${tag}.pcap`);
  const args = [...m.manifest.args, '-r', opts.stdin ? '-' : trace, '-l', log, ...(m.manifest.onPath ? ['-w', out] : [])];
  const r = await procs.run(() =>
    run(bin(m, variant), args, {
      cwd: m.dir,
      env: variant ? SANITIZER_ENV : {},
      input: opts.stdin ? readFileSync(trace) : undefined,
      timeoutMs: 120_000,
    }),
  );
  const res: MboxRun = {
    code: r.code,
    stderr: r.stderr,
    log: existsSync(log) ? readFileSync(log) : Buffer.alloc(0),
    pcap: m.manifest.onPath && existsSync(out) ? readFileSync(out) : undefined,
    findings: sanitizerFindings(r.stderr),
  };
  rmSync(log, { force: true });
  rmSync(out, { force: true });
  return res;
}

function expectCleanRun(r: MboxRun, what: string): void {
  expect(r.findings, `${what}: sanitizer reports\n${r.stderr.slice(0, 4000)}`).toEqual([]);
  expect(r.code, `${what}: exit code (stderr: ${r.stderr.slice(0, 2000)})`).toBe(0);
}

beforeAll(async () => {
  writeFileSync(generatedMalformed, malformedTrace(1));
  mkdirSync(seedCorpus);
  baseFrames().forEach((f, i) => writeFileSync(join(seedCorpus, `base-${i}`), f));
  for (const t of [...committed.filter((f) => f.endsWith('.pcap')), ...selectedShared]) {
    readPcap(readFileSync(t))
      .packets.slice(0, 40)
      .forEach((p, i) => writeFileSync(join(seedCorpus, `${basename(t)}-${i}`), p.data));
  }
  // Build every middlebox once per run, two at a time.
  await Promise.all(mboxes.map((m) => procs.run(async () => builds.set(m.manifest.name, await make(m.dir, ['all', 'asan', 'fuzz'], [`BUILD=${SUITE_BUILD}`])))));
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('middleboxes/common', () => {
  it('decoder and checksum unit tests pass under ASan+UBSan', async () => {
    const r = await procs.run(() => make(join(MIDDLEBOXES_DIR, 'common'), ['test']));
    expect(r.output).toContain('selftest: all checks passed');
    expect(sanitizerFindings(r.output)).toEqual([]);
    expect(r.code).toBe(0);
  }, 120_000);

  it('the sanitizer check catches a deliberately broken program', async () => {
    // Negative control for every "clean under ASan/UBSan" assertion below.
    const src = join(work, 'oob.c');
    writeFileSync(src, '#include <stdlib.h>\nint main(int c, char **v) { (void)v; char *p = malloc(4); int x = p[c + 4]; free(p); return x & 0; }\n');
    const exe = join(work, 'oob');
    const cc = await procs.run(() => run('gcc', ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g', '-O1', '-o', exe, src]));
    expect(cc.code).toBe(0);
    const r = await procs.run(() => run(exe, [], { env: SANITIZER_ENV }));
    expect(sanitizerFindings(r.stderr).length).toBeGreaterThan(0);
    expect(r.code).not.toBe(0);
  }, 60_000);
});

it('discovers the middleboxes', () => {
  expect(mboxes.map((m) => m.manifest.name)).toEqual(expect.arrayContaining(['assetmon', 'synblock']));
});

describe.concurrent.each(mboxes)('$manifest.name', (m) => {
  const name = m.manifest.name;

  it('has a valid manifest whose sources exist', () => {
    expect(manifestProblems(m.manifest), `${m.dir}/mbox.json`).toEqual([]);
    expect(name).toBe(basename(m.dir));
    for (const s of m.manifest.sources) expect(existsSync(resolve(m.dir, s)), `${name}: source ${s}`).toBe(true);
    expect(existsSync(join(m.dir, 'README.md')), `${name}: README.md`).toBe(true);
    expect(existsSync(join(m.dir, 'fuzz.c')), `${name}: fuzz.c`).toBe(true);
    for (const a of m.manifest.args.filter((x) => !x.startsWith('-'))) expect(existsSync(resolve(m.dir, a)), `${name}: arg file ${a}`).toBe(true);
  });

  it('builds warning-free with the convention flags from the manifest sources', async () => {
    const b = builds.get(name);
    expect(b?.code, b?.output).toBe(0);
    expect(b?.output ?? '').not.toMatch(/warning:/);
    for (const v of ['', '-asan', '-fuzz'] as const) expect(existsSync(bin(m, v)), bin(m, v)).toBe(true);
    // A forced dry run shows the commands even when the binaries are up to date.
    const dry = await procs.run(() => make(m.dir, ['all', 'asan', 'fuzz'], ['-n', '-B']));
    const cmds = dry.output.split('\n').filter((l) => /(^|\s|\/)(gcc|clang|cc)\s/.test(l) || /\\$/.test(l));
    const text = dry.output.replace(/\\\n/g, ' ');
    const compile = (target: string) => text.split('\n').find((l) => l.includes(`-o build/${target} `) || l.includes(`-o build/${target}\t`) || l.endsWith(`-o build/${target}`)) ?? '';
    expect(cmds.length).toBeGreaterThan(0);
    for (const [target, extra] of [
      [name, ['-O2', '-g']],
      [`${name}-asan`, ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g', '-O1']],
      [`${name}-fuzz`, ['-fsanitize=fuzzer,address,undefined', 'fuzz.c']],
    ] as const) {
      const line = compile(target);
      expect(line, `${name}: no command builds build/${target}`).not.toBe('');
      for (const f of [...REQUIRED_FLAGS, ...extra]) expect(line.split(/\s+/), `${target}: flag ${f}`).toContain(f);
      for (const s of m.manifest.sources) expect(line.split(/\s+/), `${target}: source ${s}`).toContain(s);
    }
  }, 300_000);

  it('expected.json lists every global and static, consistently with the definitions', async () => {
    const file = join(m.dir, 'expected.json');
    expect(existsSync(file), `${name}: expected.json is missing`).toBe(true);
    const exp = JSON.parse(readFileSync(file, 'utf8')) as {
      middlebox: string;
      loopProcedure: string;
      variables: Record<string, unknown>[];
    };
    expect(exp.middlebox).toBe(name);
    expect(exp.loopProcedure).toBe(m.manifest.loopProcedure);
    const seen = new Set<string>();
    for (const v of exp.variables) {
      const where = `${name}/expected.json variable ${String(v.name)}`;
      for (const k of ['persistent', 'topLevel', 'updateable', 'outsideFlowspace', 'pktOutput', 'logOutput'])
        expect(typeof v[k], `${where}: ${k}`).toBe('boolean');
      expect(['global', 'static', 'local', 'param'], `${where}: scope`).toContain(v.scope);
      expect(typeof v.reason === 'string' && v.reason.length > 10, `${where}: reason`).toBe(true);
      expect(Array.isArray(v.flowspace), `${where}: flowspace`).toBe(true);
      for (const f of v.flowspace as string[]) expect(CANONICAL_FIELDS.has(f), `${where}: flowspace field ${f}`).toBe(true);
      expect(v.persistent, `${where}: every listed variable is persistent`).toBe(true);
      if (v.updateable) expect(v.topLevel, `${where}: updateable ⇒ topLevel`).toBe(true);
      if (v.pktOutput || v.logOutput) expect(v.updateable, `${where}: output-impacting ⇒ updateable`).toBe(true);
      if (v.outsideFlowspace) expect(v.updateable, `${where}: outsideFlowspace ⇒ updateable`).toBe(true);
      if ((v.flowspace as string[]).length) expect(v.topLevel, `${where}: keyed ⇒ topLevel`).toBe(true);
      if (!m.manifest.onPath) expect(v.pktOutput, `${where}: off-path middlebox has no packet output`).toBe(false);
      if (v.scope === 'local' || v.scope === 'param') expect(v.function, `${where}: loop-procedure local`).toBe(m.manifest.loopProcedure);
      const key = `${String(v.scope)}:${String(v.function)}:${String(v.name)}`;
      expect(seen.has(key), `${where}: listed twice`).toBe(false);
      seen.add(key);
    }
    // Every global and static the sources define (nm of each object at -O0,
    // where nothing is optimised away) must be classified, and nothing else.
    const defined = new Map<string, string>();
    await Promise.all(
      m.manifest.sources.map((src, i) =>
        procs.run(async () => {
          const obj = join(work, `${name}-nm-${i}.o`);
          const cc = await run('gcc', ['-std=c11', '-D_DEFAULT_SOURCE', '-O0', ...m.manifest.cflags, '-c', src, '-o', obj], { cwd: m.dir });
          expect(cc.code, cc.stderr).toBe(0);
          const nm = await run('nm', [obj]);
          for (const line of nm.stdout.toString().split('\n')) {
            const mt = /^[0-9a-f]*\s+([BbDdRrCGgSsVv])\s+(\S+)$/.exec(line.trim());
            if (!mt || mt[2].startsWith('__') || mt[2].startsWith('.')) continue;
            defined.set(mt[2].replace(/\.\d+$/, ''), resolve(m.dir, src));
          }
        }),
      ),
    );
    const listed = exp.variables.filter((v) => v.scope === 'global' || v.scope === 'static');
    const missing = [...defined.keys()].filter((n) => !listed.some((v) => v.name === n));
    expect(missing, `${name}: globals/statics not in expected.json`).toEqual([]);
    for (const v of listed) {
      const at = defined.get(String(v.name));
      expect(at, `${name}/expected.json: ${String(v.name)} is not defined by any source`).toBeDefined();
      expect(resolve(m.dir, String(v.file)), `${name}/expected.json: file of ${String(v.name)}`).toBe(at);
    }
  }, 300_000);

  it('runs cleanly on every committed and shared trace', async () => {
    const traces = [...committed, ...shared];
    expect(traces.length).toBeGreaterThan(0);
    const results = await Promise.all(traces.map((t) => runOn(m, '', t).then((r) => ({ t, r }))));
    for (const { t, r } of results) {
      expectCleanRun(r, `${name} on ${basename(t)}`);
      if (m.manifest.onPath) {
        expect(r.pcap, `${name} on ${basename(t)}: no -w output`).toBeDefined();
        expect(() => readPcap(r.pcap!), `${name} on ${basename(t)}: output pcap`).not.toThrow();
      }
    }
    // Some trace must produce log output, or the log check below means nothing.
    expect(results.some(({ r }) => r.log.length > 0), `${name} never logs anything`).toBe(true);
  }, 600_000);

  it('is deterministic: two runs give byte-identical logs and packet output', async () => {
    const traces = [...committed, ...selectedShared, generatedMalformed];
    await Promise.all(
      traces.map(async (t) => {
        const [a, b] = await Promise.all([runOn(m, '', t), runOn(m, '', t)]);
        expectCleanRun(a, `${name} on ${basename(t)}`);
        expect(firstDifference(a, b), `${name} on ${basename(t)}`).toBeNull();
      }),
    );
  }, 600_000);

  it('reads a trace from stdin (-r -) exactly as from the file', async () => {
    const t = selectedShared[0] ?? committed[0];
    const [file, stdin] = await Promise.all([runOn(m, '', t), runOn(m, '', t, { stdin: true })]);
    expectCleanRun(stdin, `${name} on stdin`);
    expect(firstDifference(file, stdin)).toBeNull();
  }, 300_000);

  it('ASan+UBSan build is clean on traces and on malformed packets', async () => {
    const traces = [generatedMalformed, ...committed.filter((f) => /malformed|small-mixed\.pcap$|scan/.test(f)), ...selectedShared.slice(0, 3)];
    const results = await Promise.all(traces.map((t) => runOn(m, '-asan', t).then((r) => ({ t, r }))));
    for (const { t, r } of results) expectCleanRun(r, `${name}-asan on ${basename(t)}`);
  }, 600_000);

  it('stops with exit code 2 and a message on a truncated trace file', async () => {
    const cut = join(work, `${name}-truncated.pcap`);
    const src = readFileSync(selectedShared[1] ?? committed[0]);
    // Cut inside a record: keep the global header, the first record, and half of the second.
    const first = 24 + 16 + src.readUInt32LE(24 + 8);
    writeFileSync(cut, src.subarray(0, first + 16 + Math.floor(src.readUInt32LE(first + 8) / 2)));
    const r = await runOn(m, '', cut);
    expect(r.findings).toEqual([]);
    expect(r.code, `${name} on a truncated pcap (stderr: ${r.stderr})`).toBe(2);
    expect(r.stderr).toMatch(/truncated/i);
  }, 300_000);

  it('rejects bad usage with exit code 2 and a message', async () => {
    const cases: [string[], RegExp][] = [
      [[], /-r|-i|usage/i],
      [[...m.manifest.args, '-r', join(work, 'no-such-trace.pcap')], /no-such-trace\.pcap/],
      [[...m.manifest.args, '-Z', 'x'], /usage|option/i],
    ];
    for (const [args, msg] of cases) {
      const r = await procs.run(() => run(bin(m, ''), args, { cwd: m.dir }));
      expect(r.code, `${name} ${args.join(' ')}`).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  }, 300_000);

  const regressDir = join(m.dir, 'fuzz-regress');
  it.skipIf(!existsSync(regressDir))('replays its fuzz regressions without a crash', async () => {
    const inputs = readdirSync(regressDir).map((f) => join(regressDir, f));
    const r = await procs.run(() => run(bin(m, '-fuzz'), inputs, { cwd: m.dir, env: SANITIZER_ENV, timeoutMs: 120_000 }));
    expect(sanitizerFindings(r.stderr), r.stderr.slice(0, 4000)).toEqual([]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
  }, 180_000);

  it(`survives a ${FUZZ_SECONDS}s libFuzzer run`, async () => {
    const corpus = join(work, `corpus-${name}`);
    const artifacts = join(work, `artifacts-${name}`);
    mkdirSync(corpus);
    mkdirSync(artifacts);
    for (const f of readdirSync(seedCorpus)) copyFileSync(join(seedCorpus, f), join(corpus, f));
    const r = await procs.run(() =>
      run(bin(m, '-fuzz'), [`-max_total_time=${FUZZ_SECONDS}`, '-rss_limit_mb=1536', '-timeout=30', `-artifact_prefix=${artifacts}/`, corpus], {
        cwd: m.dir,
        env: SANITIZER_ENV,
        timeoutMs: (FUZZ_SECONDS + 60) * 1000,
      }),
    );
    const crashes = readdirSync(artifacts);
    expect(crashes, `${name}: fuzzer found crashes — keep them under middleboxes/${name}/fuzz-regress/ and fix\n${r.stderr.slice(-3000)}`).toEqual([]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/Done \d+ runs/);
  }, (FUZZ_SECONDS + 300) * 1000);
});
