// The one msgpack-lite codec of the protocol (no preset extension types) and a
// persistent encoder: msgpack-lite's encode() allocates a fresh zeroed 2 KiB
// buffer per call, which dominated the agent's profile for small frames.
import msgpack from 'msgpack-lite';

export const codec = msgpack.createCodec({ preset: false });

interface EncodeBuffer {
  write(value: unknown): void;
  read(): Buffer;
}

// Results are slices of a shared chunk that is never rewritten (a full chunk is
// replaced by a new one), so each returned Buffer stays valid on its own.
// The typings omit Encoder, which msgpack-lite does export.
const { Encoder } = msgpack as unknown as { Encoder: new (o: { codec: unknown }) => EncodeBuffer };
const encoder = new Encoder({ codec });

export function encodeMsgpack(value: unknown): Buffer {
  encoder.write(value);
  return encoder.read();
}
