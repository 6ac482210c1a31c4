// Launchers: how each role of a middlebox is started. The plain Makefile
// build (single instance, plain primary), the instrumented build (adds
// `--sa-mode primary|standby`), and a launcher for any fd 3/4-speaking command.
import type { Model } from '../protocol/index.js';
import { buildInstrumented, buildPlain, type MboxSpec } from './build.js';
import type { OutputFiles } from './outputs.js';
import type { Launcher, Role } from './types.js';

/** Middlebox I/O flags (middleboxes/common/mbox_io): -r input, -l log, -w packet output. */
function ioArgs(input: string, files: OutputFiles): string[] {
  return ['-r', input, '-l', files.log, '-w', files.pcap];
}

export async function plainLauncher(spec: MboxSpec): Promise<Launcher> {
  const bin = await buildPlain(spec);
  return {
    name: spec.name,
    instrumented: false,
    command: (_role: Role, input: string, files: OutputFiles) => ({ argv: [bin, ...spec.args, ...ioArgs(input, files)], cwd: spec.dir }),
  };
}

/** Plain binary for the reference run, instrumented binary (with --sa-mode and --sa-model) for the pair. */
export async function instrumentedLauncher(spec: MboxSpec, o: { deps?: 'sdg' | 'conservative' } = {}): Promise<Launcher> {
  const plain = await buildPlain(spec);
  const inst = await buildInstrumented(spec, o);
  return {
    name: spec.name,
    instrumented: true,
    // middleboxes/runtime writes the count of packets processed as `pkt`.
    pktBase: 1,
    command: (role: Role, input: string, files: OutputFiles, model: Model) =>
      role === 'single'
        ? { argv: [plain, ...spec.args, ...ioArgs(input, files)], cwd: spec.dir }
        : { argv: [inst.binary, ...spec.args, ...ioArgs(input, files), '--sa-mode', role, '--sa-model', model], cwd: spec.dir },
  };
}

/**
 * Any command that takes the middlebox I/O flags and `--sa-mode` / `--model`
 * (the test fixtures' fake instrumented middlebox).
 */
export function commandLauncher(name: string, argv: string[], cwd: string, extra: (role: Role) => string[] = () => []): Launcher {
  return {
    name,
    instrumented: true,
    command: (role: Role, input: string, files: OutputFiles, model: Model) => ({
      argv: [...argv, ...ioArgs(input, files), ...(role === 'single' ? [] : ['--sa-mode', role, '--model', model]), ...extra(role)],
      cwd,
    }),
  };
}
