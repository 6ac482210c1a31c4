// What live replay needs from the machine: root (namespaces, veths, raw
// sockets), and the `ip`, `sh` and `stdbuf` programs. Missing → usage error (exit 2) naming it.
import { resolveCommand } from '../process/index.js';
import { usageError } from '../errors.js';

/** What is missing for --live on this machine; empty when it can run. */
export function liveMissing(): string[] {
  const missing: string[] = [];
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) missing.push('root privileges (network namespaces, veth pairs and raw packet sockets need CAP_NET_ADMIN and CAP_NET_RAW: run as root)');
  if (resolveCommand('ip') === null) missing.push('the `ip` program (iproute2) in PATH');
  if (resolveCommand('stdbuf') === null) missing.push('the `stdbuf` program (coreutils) in PATH');
  if (resolveCommand('sh') === null) missing.push('`sh` in PATH');
  return missing;
}

export async function requireLive(): Promise<void> {
  await Promise.resolve();
  const missing = liveMissing();
  if (missing.length > 0) throw usageError(`--live needs ${missing.join('; and ')}`);
}
