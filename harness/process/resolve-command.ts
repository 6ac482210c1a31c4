// Argument stage: find the executable before spawning, so a missing command
// is a clear spawn error and not a wrapper's exit status.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Absolute or PATH-resolved executable path, or null when there is none. */
export function resolveCommand(command: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = command.includes('/') ? [command] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, command));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // not here; try the next directory
    }
  }
  return null;
}

let setprivPath: string | null | undefined;
/** setpriv (util-linux) sets PR_SET_PDEATHSIG and then execs the command. */
export function parentDeathWrapper(): string | null {
  if (setprivPath === undefined) setprivPath = process.platform === 'linux' ? resolveCommand('setpriv') : null;
  return setprivPath;
}
