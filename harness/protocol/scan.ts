// Structural pre-check of an untrusted MessagePack frame before msgpack-lite
// sees it: one flat map of scalar/str/bin values with known, distinct string
// keys, every length checked against the bytes present, nothing trailing.
import { ProtocolError } from './errors.js';

export interface ScanOptions {
  /** Keys allowed at the top level. */
  keys: ReadonlySet<string>;
  /** Most entries the top-level map may have. */
  maxEntries: number;
  /** What the bytes are, for messages ("envelope", "local frame"). */
  what?: string;
  /** Keys whose value may instead be a short array of unsigned integers (output marks). */
  uintArrays?: ReadonlySet<string>;
}

/** Most elements an array value may have. */
export const MAX_ARRAY_ENTRIES = 16;

/** Throws ProtocolError(E_MALFORMED) with the byte offset of the first problem. */
export function scanFlatMap(buf: Uint8Array, opts: ScanOptions): void {
  const what = opts.what ?? 'envelope';
  let off = 0;
  const need = (n: number, what: string): void => {
    if (n > buf.length - off) {
      throw new ProtocolError('E_MALFORMED', `truncated MessagePack: ${what} needs ${n} bytes at byte ${off}, ${buf.length - off} left`, { offset: off });
    }
  };
  const u8 = (): number => {
    need(1, 'type byte');
    return buf[off++]!;
  };
  const be = (n: number, what: string): number => {
    need(n, what);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + buf[off + i]!;
    off += n;
    return v;
  };
  const skip = (n: number, what: string): void => {
    need(n, what);
    off += n;
  };

  const at = off;
  const head = u8();
  let entries: number;
  if (head >= 0x80 && head <= 0x8f) entries = head & 0x0f;
  else if (head === 0xde) entries = be(2, 'map16 length');
  else if (head === 0xdf) entries = be(4, 'map32 length');
  else throw new ProtocolError('E_MALFORMED', `${what} must be a MessagePack map, found type byte 0x${head.toString(16)} at byte ${at}`, { offset: at });
  if (entries > opts.maxEntries) {
    throw new ProtocolError('E_MALFORMED', `${what} map has ${entries} entries, at most ${opts.maxEntries} allowed`, { offset: at });
  }

  const seen = new Set<string>();
  for (let i = 0; i < entries; i++) {
    const keyAt = off;
    const kb = u8();
    let klen: number;
    if (kb >= 0xa0 && kb <= 0xbf) klen = kb & 0x1f;
    else if (kb === 0xd9) klen = be(1, 'str8 length');
    else throw new ProtocolError('E_MALFORMED', `map key at byte ${keyAt} is not a short string`, { offset: keyAt });
    need(klen, 'map key');
    const key = shortKey(buf, off, klen);
    off += klen;
    if (!opts.keys.has(key)) {
      throw new ProtocolError('E_MALFORMED', `unknown key ${JSON.stringify(key.slice(0, 32))} at byte ${keyAt}`, { offset: keyAt });
    }
    if (seen.has(key)) throw new ProtocolError('E_MALFORMED', `duplicate key ${JSON.stringify(key)} at byte ${keyAt}`, { offset: keyAt });
    seen.add(key);
    if (opts.uintArrays?.has(key) && isArrayHead(buf[off])) scanUintArray();
    else scanScalar();
  }
  if (off !== buf.length) {
    throw new ProtocolError('E_MALFORMED', `${buf.length - off} trailing bytes after the ${what} at byte ${off}`, { offset: off });
  }

  function scanUintArray(): void {
    const aAt = off;
    const h = u8();
    const n = h === 0xdc ? be(2, 'array16 length') : h & 0x0f;
    if (n > MAX_ARRAY_ENTRIES) {
      throw new ProtocolError('E_MALFORMED', `array at byte ${aAt} has ${n} elements, at most ${MAX_ARRAY_ENTRIES} allowed`, { offset: aAt });
    }
    for (let i = 0; i < n; i++) {
      const eAt = off;
      const b = u8();
      if (b <= 0x7f) continue;
      if (b === 0xcc) skip(1, 'uint8');
      else if (b === 0xcd) skip(2, 'uint16');
      else if (b === 0xce) skip(4, 'uint32');
      else if (b === 0xcf) skip(8, 'uint64');
      // msgpack-lite writes integers above 2^32 as float64; validation checks they are integral.
      else if (b === 0xcb) skip(8, 'float64');
      else throw new ProtocolError('E_MALFORMED', `array element at byte ${eAt} has type byte 0x${b.toString(16)}: only unsigned integers are allowed`, { offset: eAt });
    }
  }

  function scanScalar(): void {
    const vAt = off;
    const b = u8();
    if (b <= 0x7f || b >= 0xe0) return; // positive / negative fixint
    if (b >= 0xa0 && b <= 0xbf) return skip(b & 0x1f, 'fixstr');
    switch (b) {
      case 0xc0: // nil
      case 0xc2: // false
      case 0xc3: // true
        return;
      case 0xcc: case 0xd0: return skip(1, 'int8');
      case 0xcd: case 0xd1: return skip(2, 'int16');
      case 0xce: case 0xd2: case 0xca: return skip(4, 'int32/float32');
      case 0xcf: case 0xd3: case 0xcb: return skip(8, 'int64/float64');
      case 0xd9: case 0xc4: return skip(be(1, 'str8/bin8 length'), 'str/bin body');
      case 0xda: case 0xc5: return skip(be(2, 'str16/bin16 length'), 'str/bin body');
      case 0xdb: case 0xc6: return skip(be(4, 'str32/bin32 length'), 'str/bin body');
      default:
        throw new ProtocolError('E_MALFORMED', `value at byte ${vAt} has type byte 0x${b.toString(16)}: only nil, bool, numbers, str and bin values are allowed in a flat ${what} map`, { offset: vAt });
    }
  }
}

function isArrayHead(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x90 && b <= 0x9f) || b === 0xdc);
}

/** Keys are short ASCII: build them without a Buffer view and a UTF-8 decode (hot path, every frame). */
function shortKey(buf: Uint8Array, off: number, len: number): string {
  if (len <= 16) {
    let s = '';
    for (let i = 0; i < len; i++) {
      const c = buf[off + i]!;
      if (c >= 0x80) return Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('utf8');
      s += String.fromCharCode(c);
    }
    return s;
  }
  return Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('utf8');
}
