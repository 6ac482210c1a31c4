// Types of harness/pcap: one captured record, the file-level facts a reader
// learns, and what it tolerated (so a run record can say what was skipped).

/** One packet record, whatever the file format. */
export interface PcapRecord {
  /** 0-based position among the packet records of the file. */
  index: number;
  /** Seconds since the epoch (may be negative or out of order; passed through). */
  tsSec: number;
  /** Fraction of the second in microseconds (floor of tsNsec / 1000). */
  tsUsec: number;
  /** Fraction of the second in nanoseconds (exact for µs and ns files). */
  tsNsec: number;
  /** Bytes captured and present in `data`. */
  capLen: number;
  /** Length of the packet on the wire (>= capLen in a well-formed file). */
  origLen: number;
  /** DLT_/LINKTYPE_ value of the interface the record belongs to. */
  linkType: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
  /** The captured bytes. A view into the reader's buffer: copy it to keep it past the next chunk. */
  data: Buffer;
}

export type PcapFormat = 'pcap' | 'pcapng';
export type Endian = 'le' | 'be';

/** One interface: classic pcap has exactly one, pcapng one per IDB per section. */
export interface PcapInterface {
  section: number;
  linkType: number;
  snapLen: number;
  /** Timestamp units per second (1e6 for µs, 1e9 for ns, 2^n or 10^n from if_tsresol). */
  unitsPerSecond: number;
  /** if_tsoffset: seconds added to every timestamp of this interface. */
  tsOffsetSec: number;
  name?: string;
}

/** Something the reader tolerated rather than failing on, with its place. */
export interface PcapWarning {
  kind: 'truncated-final-record' | 'caplen-exceeds-origlen' | 'unknown-block-skipped';
  offset: number;
  message: string;
}

/** What a reader saw besides the records; complete once iteration has ended. */
export interface PcapStats {
  file: string;
  format?: PcapFormat;
  endian?: Endian;
  /** Classic pcap header version, e.g. "2.4"; pcapng SHB version of the first section. */
  version?: string;
  nanosecond?: boolean;
  interfaces: PcapInterface[];
  sections: number;
  records: number;
  /** Records whose timestamp is earlier than the previous record's (passed through, counted). */
  nonMonotonic: number;
  /** pcapng blocks skipped because their type is unknown or carries no packet (NRB, ISB, DSB ...). */
  skippedBlocks: number;
  /** Set when the file ended inside a record and the reader was told to tolerate it. */
  truncatedTail?: { offset: number; needed: number; got: number };
  warnings: PcapWarning[];
  bytesRead: number;
}

export interface ReadOptions {
  /** Make a truncated final record an error instead of a warning (default false, see README). */
  strict?: boolean;
  /** Chunk size for streaming reads (default 1 MiB). */
  chunkSize?: number;
  /** Largest capLen accepted when a header declares no usable snaplen (default 262144, libpcap's maximum). */
  maxCapLen?: number;
}
