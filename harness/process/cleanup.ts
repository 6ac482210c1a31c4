// Terminate stage: the registry of live process groups, killed when this Node
// process exits or is told to stop, so no run leaves an orphan behind.

export interface Killable {
  /** Kill the whole group now with SIGKILL, synchronously; marks reason 'parent-exit'. */
  killOnParentExit(): void;
}

const live = new Set<Killable>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

function onExit(): void {
  for (const k of [...live]) k.killOnParentExit();
}

function onSignal(sig: NodeJS.Signals): void {
  // Someone else handles this signal (e.g. a CLI shutting down gracefully): leave the
  // children to them; the 'exit' hook still kills whatever is left when we exit.
  if (process.listenerCount(sig) > 1) return;
  onExit();
  uninstall();
  // If nobody else handles the signal, behave as if we had not intercepted it.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

export function track(k: Killable): void {
  live.add(k);
  install();
}

export function untrack(k: Killable): void {
  live.delete(k);
  if (live.size === 0) uninstall();
}

/** How many supervised processes are still running (tests assert 0 afterwards). */
export function liveCount(): number {
  return live.size;
}

/** Kill every supervised process now (e.g. from a test's afterEach). */
export function killAll(): void {
  onExit();
}
