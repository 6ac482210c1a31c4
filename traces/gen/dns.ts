// DNS wire format (RFC 1035) for the generator: queries and responses with A,
// AAAA or CNAME answers, name compression, and NXDOMAIN.

export const DNS_A = 1;
export const DNS_CNAME = 5;
export const DNS_AAAA = 28;

/** Encode a domain name as labels ending in the root label. */
export function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name.split('.').filter((l) => l.length > 0)) {
    const b = Buffer.from(label, 'ascii');
    if (b.length > 63) throw new Error(`DNS label longer than 63 bytes: ${label}`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function header(id: number, flags: number, qd: number, an: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(qd, 4);
  h.writeUInt16BE(an, 6);
  return h;
}

function question(name: string, qtype: number): Buffer {
  const t = Buffer.alloc(4);
  t.writeUInt16BE(qtype, 0);
  t.writeUInt16BE(1, 2); // class IN
  return Buffer.concat([encodeName(name), t]);
}

/** A standard recursive query (RD set). */
export function dnsQuery(id: number, name: string, qtype: number): Buffer {
  return Buffer.concat([header(id, 0x0100, 1, 0), question(name, qtype)]);
}

export interface DnsAnswer {
  type: number;
  ttl: number;
  /** 4 bytes for A, 16 for AAAA, a name for CNAME. */
  data: Buffer | string;
}

/**
 * The response to `dnsQuery(id, name, qtype)`. Answers name the query through a
 * compression pointer to offset 12 (0xc00c), as real resolvers do.
 */
export function dnsResponse(id: number, name: string, qtype: number, answers: DnsAnswer[], rcode = 0): Buffer {
  const flags = 0x8180 | (rcode & 0x0f); // QR, RD, RA
  const parts: Buffer[] = [header(id, flags, 1, answers.length), question(name, qtype)];
  for (const a of answers) {
    const rdata = typeof a.data === 'string' ? encodeName(a.data) : a.data;
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(a.type, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(a.ttl, 6);
    rr.writeUInt16BE(rdata.length, 10);
    parts.push(rr, rdata);
  }
  return Buffer.concat(parts);
}
