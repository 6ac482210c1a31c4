// The live topology: two network namespaces (the primary's and the standby's
// host), data links from the harness (root namespace) into each, one link
// between the hosts for the agents' WebSocket; created with `ip`, torn down
// on every exit path (normal end, error, SIGINT/SIGTERM, process exit).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { killAll } from '../process/index.js';
import { StatelabError } from '../errors.js';

const run = promisify(execFile);

/** One veth pair: `harness` end in the root namespace, `mbox` end inside the host's namespace. */
export interface DataLink {
  harness: string;
  mbox: string;
}

/** One middlebox host: its namespace, its input link and (on-path) its output link. */
export interface LiveHost {
  ns: string;
  input: DataLink;
  /** Present for on-path middleboxes: the middlebox sends its packets here (`-o`), the harness captures them. */
  output: DataLink | null;
  /** This host's address on the inter-host link. */
  addr: string;
  /** Its end of the inter-host veth. */
  peerIf: string;
}

export interface Topology {
  id: string;
  primary: LiveHost;
  standby: LiveHost;
  /** Largest frame (link header included) the data links carry. */
  mtu: number;
  /** Remove everything this topology created (idempotent, never throws). */
  destroy(): Promise<void>;
  /** The inter-host link goes silent (the primary host is dead: no FIN, no RST). */
  cutInterHost(): Promise<void>;
}

async function ip(args: string[], what: string): Promise<void> {
  try {
    await run('ip', args, { timeout: 10_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new StatelabError('E_PROCESS', `${what}: ip ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** IPv6 off before a link comes up: no router solicitations, DAD or MLD reports in the middlebox's capture or output. */
async function noIpv6(ns: string | null, ifname: string): Promise<void> {
  const file = `/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`;
  if (ns === null) {
    if (existsSync(file)) writeFileSync(file, '1');
    return;
  }
  // The namespace's /proc/sys/net is only visible from inside it.
  await run('ip', ['netns', 'exec', ns, 'sh', '-c', `[ ! -e ${file} ] || echo 1 > ${file}`], { timeout: 10_000 }).catch(() => {});
}

let addrCounter = 0;

/**
 * cap warns on stderr when the device it opens has no IPv4 address. Give the
 * harness end one from the benchmarking range 198.18.0.0/15 as a /32 that
 * never answers ARP (arp_ignore 8), so nothing but the middlebox's packets
 * appears on the link (the capture counts are checked against the link counters).
 */
async function quietAddress(ifname: string, n: number): Promise<void> {
  const arp = `/proc/sys/net/ipv4/conf/${ifname}/arp_ignore`;
  if (existsSync(arp)) writeFileSync(arp, '8');
  await ip(['addr', 'add', `198.18.${process.pid % 250}.${n % 250}/32`, 'dev', ifname, 'noprefixroute'], 'address a harness end');
}

/** Everything still set up, for the exit and signal hooks. */
const live = new Map<string, () => void>();
let hooked = false;

function destroySync(id: string, rootLinks: string[], namespaces: string[]): void {
  for (const l of rootLinks) {
    try {
      execFileSync('ip', ['link', 'del', l], { stdio: 'ignore', timeout: 5_000 });
    } catch {
      // already gone (deleting one end of a veth deletes both)
    }
  }
  for (const ns of namespaces) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5_000 });
    } catch {
      // already gone
    }
  }
  live.delete(id);
  if (live.size === 0) uninstallHooks();
}

function onSignal(sig: NodeJS.Signals): void {
  // Processes first (they hold the namespaces open), then links and namespaces, then die by the signal.
  killAll();
  for (const f of [...live.values()]) f();
  uninstallHooks();
  process.kill(process.pid, sig);
}

function onExit(): void {
  for (const f of [...live.values()]) f();
}

function installHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', onExit);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
}

function uninstallHooks(): void {
  if (!hooked) return;
  hooked = false;
  process.off('exit', onExit);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
}

let counter = 0;

/** A name stem unique to this process and run; interface names stay within 15 bytes. */
export function newTopologyId(): string {
  counter++;
  return `sl${process.pid.toString(36)}${counter.toString(36)}`;
}

/**
 * Create the namespaces and links. `onPath` adds an output link per host;
 * `mtu` is the largest frame's payload (at least 1500).
 */
export async function createTopology(o: { onPath: boolean; mtu: number; id?: string }): Promise<Topology> {
  const id = o.id ?? newTopologyId();
  const nsP = `${id}p`;
  const nsS = `${id}s`;
  const rootLinks: string[] = [];
  const namespaces: string[] = [];
  const sync = (): void => destroySync(id, rootLinks, namespaces);
  live.set(id, sync);
  installHooks();
  const mtu = Math.max(1500, o.mtu);
  const host = (role: 'p' | 's', ns: string, addr: string, peerIf: string): LiveHost => ({
    ns,
    input: { harness: `${id}${role}i`, mbox: `${id}${role}im` },
    output: o.onPath ? { harness: `${id}${role}o`, mbox: `${id}${role}om` } : null,
    addr,
    peerIf,
  });
  // A private /30 for the inter-host link; it exists only inside the two namespaces, so runs cannot collide.
  const net = `10.213.${process.pid % 250}.${(counter % 60) * 4}`;
  const base = net.split('.').map(Number) as [number, number, number, number];
  const a1 = `${base[0]}.${base[1]}.${base[2]}.${base[3] + 1}`;
  const a2 = `${base[0]}.${base[1]}.${base[2]}.${base[3] + 2}`;
  const primary = host('p', nsP, a1, `${id}x`);
  const standby = host('s', nsS, a2, `${id}y`);
  const topo: Topology = {
    id,
    primary,
    standby,
    mtu: mtu + 14,
    destroy: async () => {
      sync();
      await Promise.resolve();
    },
    cutInterHost: async () => {
      // Both ends down: whatever the dying host's kernel still sends (FIN, RST) goes nowhere.
      await ip(['-n', nsP, 'link', 'set', primary.peerIf, 'down'], 'cut the inter-host link');
      await ip(['-n', nsS, 'link', 'set', standby.peerIf, 'down'], 'cut the inter-host link');
    },
  };
  try {
    for (const h of [primary, standby]) {
      await ip(['netns', 'add', h.ns], 'create a namespace');
      namespaces.push(h.ns);
      await ip(['-n', h.ns, 'link', 'set', 'lo', 'up'], 'bring loopback up');
      for (const l of [h.input, h.output]) {
        if (l === null) continue;
        await ip(['link', 'add', l.harness, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', l.mbox, 'mtu', String(mtu), 'netns', h.ns], 'create a data link');
        rootLinks.push(l.harness);
        await noIpv6(null, l.harness);
        await noIpv6(h.ns, l.mbox);
        await quietAddress(l.harness, ++addrCounter);
        await ip(['link', 'set', l.harness, 'up'], 'bring a data link up');
        await ip(['-n', h.ns, 'link', 'set', l.mbox, 'up'], 'bring a data link up');
      }
    }
    await ip(['link', 'add', primary.peerIf, 'netns', nsP, 'type', 'veth', 'peer', 'name', standby.peerIf, 'netns', nsS], 'create the inter-host link');
    for (const h of [primary, standby]) {
      await ip(['-n', h.ns, 'addr', 'add', `${h.addr}/30`, 'dev', h.peerIf], 'address the inter-host link');
      await ip(['-n', h.ns, 'link', 'set', h.peerIf, 'up'], 'bring the inter-host link up');
    }
  } catch (e) {
    sync();
    throw e;
  }
  return topo;
}

/** Names of our namespaces and links still present (tests assert none is left). */
export async function leftovers(id: string): Promise<string[]> {
  const [ns, links] = await Promise.all([run('ip', ['netns', 'list']), run('ip', ['-o', 'link'])]);
  const found: string[] = [];
  for (const line of `${ns.stdout}\n${links.stdout}`.split('\n')) {
    const m = line.match(new RegExp(`\\b(${id}[a-z]*)\\b`));
    if (m) found.push(m[1]!);
  }
  return found;
}
