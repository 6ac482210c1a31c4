// File-format constants of classic pcap and pcapng (IETF draft-ietf-opsawg-pcap,
// draft-ietf-opsawg-pcapng) and the link types the decoder knows.

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
/** Alexey Kuznetzov's patched format: 8 more bytes per record header (libpcap reads it too). */
export const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;
export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;

export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_IDB = 0x00000001;
export const PCAPNG_PB_OBSOLETE = 0x00000002;
export const PCAPNG_SPB = 0x00000003;
export const PCAPNG_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Option codes inside an IDB. */
export const OPT_ENDOFOPT = 0;
export const IF_NAME = 2;
export const IF_TSRESOL = 9;
export const IF_TSOFFSET = 14;
/** libpcap refuses blocks larger than this (pcap-ng.c MAX_BLOCKSIZE is 16 MiB + 64 KiB bounds). */
export const PCAPNG_MAX_BLOCK = 16 * 1024 * 1024 + 256 * 1024;

/** libpcap's largest snapshot length for most link types (MAXIMUM_SNAPLEN). */
export const MAX_SNAPLEN = 262144;

/** LINKTYPE_ values (tcpdump.org/linktypes.html) the decoder understands. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export const LINKTYPE_NAMES: Record<number, string> = {
  0: 'NULL',
  1: 'EN10MB',
  101: 'RAW',
  105: 'IEEE802_11',
  108: 'LOOP',
  113: 'LINUX_SLL',
  127: 'IEEE802_11_RADIOTAP',
  228: 'IPV4',
  229: 'IPV6',
  276: 'LINUX_SLL2',
};

export function linkTypeName(lt: number): string {
  return LINKTYPE_NAMES[lt] ?? `LINKTYPE_${lt}`;
}
