// Fault injection for the negative control: remove one variable from a state
// frame's payload before the standby middlebox imports it (the standby then
// keeps its own initial value of it), re-encoding only the envelope.
import msgpack from 'msgpack-lite';

/** Byte length of the MessagePack value at `off` (bounds-checked). */
function skip(b: Buffer, off: number): number {
  const need = (n: number): number => {
    if (off + n > b.length) throw new Error(`truncated MessagePack at byte ${off}`);
    return off + n;
  };
  const t = b[off];
  if (t === undefined) throw new Error(`truncated MessagePack at byte ${off}`);
  if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return need(1);
  if (t >= 0xa0 && t <= 0xbf) return need(1 + (t & 0x1f));
  const seq = (n: number, at: number): number => {
    let o = at;
    for (let i = 0; i < n; i++) o = skip(b, o);
    return o;
  };
  if (t >= 0x90 && t <= 0x9f) return seq(t & 0x0f, need(1));
  if (t >= 0x80 && t <= 0x8f) return seq(2 * (t & 0x0f), need(1));
  const len = (n: number): number => {
    need(1 + n);
    return n === 1 ? b.readUInt8(off + 1) : n === 2 ? b.readUInt16BE(off + 1) : b.readUInt32BE(off + 1);
  };
  switch (t) {
    case 0xc4: case 0xd9: return need(2 + len(1));
    case 0xc5: case 0xda: return need(3 + len(2));
    case 0xc6: case 0xdb: return need(5 + len(4));
    case 0xc7: return need(3 + len(1));
    case 0xc8: return need(4 + len(2));
    case 0xc9: return need(6 + len(4));
    case 0xca: case 0xce: case 0xd2: return need(5);
    case 0xcb: case 0xcf: case 0xd3: return need(9);
    case 0xcc: case 0xd0: return need(2);
    case 0xcd: case 0xd1: return need(3);
    case 0xd4: return need(3);
    case 0xd5: return need(4);
    case 0xd6: return need(6);
    case 0xd7: return need(10);
    case 0xd8: return need(18);
    case 0xdc: return seq(len(2), need(3));
    case 0xdd: return seq(len(4), need(5));
    case 0xde: return seq(2 * len(2), need(3));
    case 0xdf: return seq(2 * len(4), need(5));
    default: throw new Error(`unknown MessagePack type byte 0x${t.toString(16)} at byte ${off}`);
  }
}

/** The payload map without the entry keyed `name` (unchanged if absent). */
export function dropFromPayload(payload: Buffer, name: string): Buffer {
  const t = payload[0] ?? 0;
  let n: number;
  let off: number;
  if (t >= 0x80 && t <= 0x8f) [n, off] = [t & 0x0f, 1];
  else if (t === 0xde) [n, off] = [payload.readUInt16BE(1), 3];
  else if (t === 0xdf) [n, off] = [payload.readUInt32BE(1), 5];
  else return payload;
  const kept: Buffer[] = [];
  let dropped = false;
  for (let i = 0; i < n; i++) {
    const keyEnd = skip(payload, off);
    const end = skip(payload, keyEnd);
    const key = msgpack.decode(payload.subarray(off, keyEnd)) as unknown;
    if (key === name) dropped = true;
    else kept.push(payload.subarray(off, end));
    off = end;
  }
  if (!dropped) return payload;
  const m = n - 1;
  const head = m < 16 ? Buffer.from([0x80 | m]) : Buffer.from([0xdf, m >>> 24, (m >>> 16) & 0xff, (m >>> 8) & 0xff, m & 0xff]);
  return Buffer.concat([head, ...kept]);
}

/** A state/snapshot frame body (MessagePack map with `payload`) with `name` removed from its payload. */
export function dropFromFrame(body: Buffer, name: string): Buffer {
  const f = msgpack.decode(body) as Record<string, unknown>;
  if (!Buffer.isBuffer(f.payload)) return body;
  return msgpack.encode({ ...f, payload: dropFromPayload(f.payload, name) });
}
