// Function catalogs the stages start from (packet receive, packet output, log output)
// and the map from standard header-struct fields to canonical header field names.
import { readFileSync } from 'node:fs';
import { inputError } from '../errors.js';

/** Where a receive function delivers the packet. */
export type PacketSource =
  /** The call's return value points to the packet (pcap_next). */
  | { kind: 'ret' }
  /** The call stores a pointer to the packet through argument `index` (pcap_next_ex's u_char **). */
  | { kind: 'outPtr'; index: number }
  /** The call fills the buffer argument `index` points to (recv, read). */
  | { kind: 'buffer'; index: number }
  /** The library calls the function pointer in argument `fnArg` with the packet in the given parameters (pcap_loop). */
  | { kind: 'callback'; fnArg: number; params: number[] };

export interface RecvEntry {
  name: string;
  sources: PacketSource[];
}

export interface Catalogs {
  recv: RecvEntry[];
  pktOut: string[];
  logOut: string[];
}

export const DEFAULT_CATALOGS: Catalogs = {
  recv: [
    { name: 'pcap_next', sources: [{ kind: 'ret' }, { kind: 'buffer', index: 1 }] },
    { name: 'pcap_next_ex', sources: [{ kind: 'outPtr', index: 1 }, { kind: 'outPtr', index: 2 }] },
    { name: 'pcap_loop', sources: [{ kind: 'callback', fnArg: 2, params: [1, 2] }] },
    { name: 'pcap_dispatch', sources: [{ kind: 'callback', fnArg: 2, params: [1, 2] }] },
    { name: 'recv', sources: [{ kind: 'buffer', index: 1 }] },
    { name: 'recvfrom', sources: [{ kind: 'buffer', index: 1 }, { kind: 'buffer', index: 4 }] },
    { name: 'recvmsg', sources: [{ kind: 'buffer', index: 1 }] },
    { name: 'read', sources: [{ kind: 'buffer', index: 1 }] },
  ],
  pktOut: ['pcap_inject', 'pcap_sendpacket', 'pcap_dump', 'send', 'sendto', 'sendmsg'],
  logOut: [
    'fprintf', 'printf', 'vfprintf', 'vprintf', 'dprintf', 'fputs', 'puts', 'fputc', 'putc',
    'putchar', 'fwrite', 'write', 'syslog', 'vsyslog', 'perror',
  ],
};

/** A user-added receive function: the packet is its return value and whatever its pointer arguments reach. */
function userRecv(name: string): RecvEntry {
  return { name, sources: [{ kind: 'ret' }, ...[0, 1, 2, 3].map((index) => ({ kind: 'buffer' as const, index }))] };
}

export interface CatalogExtensions {
  recv?: string[];
  pktOut?: string[];
  logOut?: string[];
  /** JSON file `{ "recv": [...], "pktOut": [...], "logOut": [...] }`. */
  configFile?: string;
}

export function buildCatalogs(ext: CatalogExtensions = {}): Catalogs {
  const extra: Required<Omit<CatalogExtensions, 'configFile'>> = {
    recv: [...(ext.recv ?? [])],
    pktOut: [...(ext.pktOut ?? [])],
    logOut: [...(ext.logOut ?? [])],
  };
  if (ext.configFile) {
    const fromFile = readCatalogFile(ext.configFile);
    extra.recv.push(...fromFile.recv);
    extra.pktOut.push(...fromFile.pktOut);
    extra.logOut.push(...fromFile.logOut);
  }
  const known = new Set(DEFAULT_CATALOGS.recv.map((r) => r.name));
  return {
    recv: [...DEFAULT_CATALOGS.recv, ...extra.recv.filter((n) => !known.has(n)).map(userRecv)],
    pktOut: [...new Set([...DEFAULT_CATALOGS.pktOut, ...extra.pktOut])],
    logOut: [...new Set([...DEFAULT_CATALOGS.logOut, ...extra.logOut])],
  };
}

function readCatalogFile(file: string): { recv: string[]; pktOut: string[]; logOut: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw inputError(`cannot read catalog config: ${(err as Error).message}`, { file }, err);
  }
  const out = { recv: [] as string[], pktOut: [] as string[], logOut: [] as string[] };
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw inputError('catalog config must be a JSON object with "recv", "pktOut", "logOut" arrays', { file });
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in out)) throw inputError(`unknown key "${key}" (expected recv, pktOut, logOut)`, { file });
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^[A-Za-z_]\w*$/.test(v))) {
      throw inputError(`"${key}" must be an array of C function names`, { file });
    }
    out[key as keyof typeof out].push(...(value as string[]));
  }
  return out;
}

/**
 * Header-struct fields (by struct tag, then field) → canonical header field.
 * Names are glibc's after preprocessing: `ip6_nxt` is a macro for
 * `ip6_ctlun.ip6_un1.ip6_un1_nxt`, so the inner member names are listed.
 */
export const HEADER_FIELDS: Record<string, Record<string, string>> = {
  ether_header: { ether_dhost: 'eth.dst', ether_shost: 'eth.src', ether_type: 'eth.type' },
  ethhdr: { h_dest: 'eth.dst', h_source: 'eth.src', h_proto: 'eth.type' },
  vlan_tag: { vlan_tci: 'vlan.id' },
  ip: { ip_src: 'ip.src', ip_dst: 'ip.dst', ip_p: 'ip.proto', ip_ttl: 'ip.ttl', ip_tos: 'ip.tos', ip_id: 'ip.id' },
  iphdr: { saddr: 'ip.src', daddr: 'ip.dst', protocol: 'ip.proto', ttl: 'ip.ttl', tos: 'ip.tos', id: 'ip.id' },
  ip6_hdr: { ip6_src: 'ip6.src', ip6_dst: 'ip6.dst' },
  ip6_hdrctl: { ip6_un1_nxt: 'ip6.nxt' },
  tcphdr: {
    th_sport: 'l4.sport', source: 'l4.sport', th_dport: 'l4.dport', dest: 'l4.dport',
    th_seq: 'tcp.seq', seq: 'tcp.seq', th_ack: 'tcp.ack', ack_seq: 'tcp.ack', th_flags: 'tcp.flags',
    fin: 'tcp.flags', syn: 'tcp.flags', rst: 'tcp.flags', psh: 'tcp.flags', ack: 'tcp.flags', urg: 'tcp.flags',
  },
  udphdr: { uh_sport: 'l4.sport', source: 'l4.sport', uh_dport: 'l4.dport', dest: 'l4.dport' },
  icmphdr: { type: 'icmp.type', code: 'icmp.code', id: 'icmp.id' },
  icmp: { icmp_type: 'icmp.type', icmp_code: 'icmp.code', icd_id: 'icmp.id' },
  pcap_pkthdr: {},
};

/** Canonical header field for a member access on a struct with the given tag, if it is a header field. */
export function headerField(structTag: string | undefined, field: string): string | undefined {
  if (!structTag) return undefined;
  return HEADER_FIELDS[structTag]?.[field];
}
