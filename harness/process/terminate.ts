// Terminate stage: kill escalation for a process group — SIGTERM, then SIGKILL
// if the group is still there after a grace period.

/** Signal a whole process group (negative pid); false when it is already gone. */
export function signalGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * Send SIGTERM to the group, and SIGKILL after `graceMs` unless `exited`
 * resolves first. Resolves true when SIGKILL was needed.
 */
export async function escalate(pid: number, graceMs: number, exited: Promise<unknown>): Promise<boolean> {
  if (!signalGroup(pid, 'SIGTERM')) return false;
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace'>((resolve) => {
    timer = setTimeout(() => resolve('grace'), graceMs);
  });
  const first = await Promise.race([exited.then(() => 'exited' as const), graceOver]);
  clearTimeout(timer);
  if (first === 'exited') {
    // The leader is gone; make sure nothing else in its group lingers.
    signalGroup(pid, 'SIGKILL');
    return false;
  }
  signalGroup(pid, 'SIGKILL');
  return true;
}
