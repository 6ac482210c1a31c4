// Hostile and broken peers against a listening standby (and primary) agent:
// each is rejected with its stable code and reason, nothing crashes, the agent
// still accepts a good peer afterwards, and no socket or timer is left behind.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect as tcpConnect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { encodeEnvelope, PROTOCOL_ERRORS, PROTOCOL_VERSION, helloMac } from '../../../harness/protocol/index.js';
import { PrimaryAgent, StandbyAgent, type AgentLogEvent } from '../../../harness/agent/index.js';
import { eventually, inProcessPrimary, inProcessStandby, KEY, RawPeer, WRONG_KEY } from './helpers.js';

let standby: StandbyAgent;
let url: string;
let port: number;
let log: AgentLogEvent[];
let baseline: Map<string, number>;

function resources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

beforeEach(async () => {
  baseline = resources();
  log = [];
  const m = inProcessStandby();
  standby = new StandbyAgent(m.link, {
    key: KEY,
    model: 'all',
    heartbeatMs: 10,
    missLimit: 3,
    handshakeMs: 300,
    maxPayloadBytes: 4096,
    maxFramesPerSecond: 2_000,
    log: (e) => log.push(e),
  });
  port = await standby.listen(0);
  url = `ws://127.0.0.1:${port}`;
});

afterEach(async () => {
  // A good peer still gets in and replicates after whatever the test did.
  const peer = await RawPeer.connect(url, 'primary');
  await peer.handshake();
  await peer.next('resync');
  peer.send({ t: 'snapshot', seq: 100, pkt: 100, model: 'all', payload: Buffer.alloc(32) });
  peer.send({ t: 'state', seq: 101, pkt: 101, model: 'all', payload: Buffer.from('x') });
  await peer.acked(101);
  peer.close();
  await peer.closed;
  await standby.close();
  // No socket, server or timer of the agent survives close().
  await eventually(() => {
    const now = resources();
    return [...now].every(([k, n]) => n <= (baseline.get(k) ?? 0));
  });
  for (const [k, n] of resources()) expect(n, `leaked ${k}`).toBeLessThanOrEqual(baseline.get(k) ?? 0);
});

/** Rejections logged for a connection: exactly one per rejected peer. */
function rejections(): string[] {
  return log.filter((e) => e.event === 'reject').map((e) => e.detail ?? '');
}

async function authenticated(): Promise<RawPeer> {
  const peer = await RawPeer.connect(url, 'primary');
  await peer.handshake();
  await peer.next('resync');
  return peer;
}

/** Open a raw TCP connection and complete the WebSocket upgrade by hand. */
async function rawUpgrade(): Promise<Socket> {
  const sock = tcpConnect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve) => {
    let head = '';
    const on = (c: Buffer): void => {
      head += c.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        sock.off('data', on);
        resolve();
      }
    };
    sock.on('data', on);
  });
  return sock;
}

/** Collect everything the server sends until it closes the TCP connection. */
function drain(sock: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  sock.on('data', (c) => chunks.push(c));
  sock.on('error', () => {});
  return new Promise((resolve) => sock.on('close', () => resolve(Buffer.concat(chunks))));
}

/** The close code inside the server's close frame, if any (unmasked server frame). */
function closeCodeIn(bytes: Buffer): number | null {
  for (let i = 0; i + 3 < bytes.length; i++) if (bytes[i] === 0x88) return bytes.readUInt16BE(i + 2);
  return null;
}

describe('hostile peers against the standby agent', () => {
  it('wrong key: rejected as E_AUTH before anything else happens', async () => {
    const peer = await RawPeer.connect(url, 'primary', { key: WRONG_KEY });
    await peer.handshake();
    expect(await peer.closed).toEqual({ code: 4401, reason: 'hello MAC does not match our challenge under the shared key' });
    expect(peer.received.map((e) => e.t)).toEqual(['challenge', 'hello', 'error']);
    expect(rejections()).toHaveLength(1);
    expect(standby.delivered).toBe(0);
  });

  it('a replayed hello from an earlier connection fails: the MAC covers a fresh nonce', async () => {
    const first = await RawPeer.connect(url, 'primary');
    const hello = await first.make('hello');
    first.close();
    await first.closed;
    const second = await RawPeer.connect(url, 'primary');
    second.send(await second.make('challenge'));
    await second.next('challenge');
    second.send(hello);
    expect((await second.closed).code).toBe(4401);
  });

  it('garbage bytes: E_MALFORMED naming the byte', async () => {
    const peer = await RawPeer.connect(url, 'primary');
    peer.sendRaw(Buffer.from([0xc1, 0xff, 0x00, 0x13]));
    expect(await peer.closed).toEqual({ code: 4400, reason: 'envelope must be a MessagePack map, found type byte 0xc1 at byte 0' });
  });

  it('a text frame: E_MALFORMED', async () => {
    const peer = await RawPeer.connect(url, 'primary');
    peer.sendRaw('{"t":"challenge"}', false);
    expect(await peer.closed).toEqual({ code: 4400, reason: 'text frame: envelopes are binary MessagePack' });
  });

  it('truncated MessagePack: E_MALFORMED saying how many bytes were missing', async () => {
    const peer = await RawPeer.connect(url, 'primary');
    const whole = encodeEnvelope({ t: 'challenge', v: PROTOCOL_VERSION, nonce: randomBytes(32) });
    peer.sendRaw(whole.subarray(0, whole.length - 5));
    const c = await peer.closed;
    expect(c.code).toBe(4400);
    expect(c.reason).toMatch(/^truncated MessagePack: str\/bin body needs 32 bytes at byte \d+, 27 left$/);
  });

  it('a field of the wrong type or size: E_INVALID_FIELD naming the field', async () => {
    const peer = await authenticated();
    peer.send({ t: 'state', seq: -4, pkt: 0, model: 'all', payload: Buffer.alloc(1) });
    expect(await peer.closed).toEqual({ code: 4422, reason: 'state.seq must be an integer in [0, 2^53-1]' });
  });

  it('a payload over the agent limit but under the WebSocket limit: E_INVALID_FIELD', async () => {
    const peer = await authenticated();
    peer.send({ t: 'snapshot', seq: 1, pkt: 1, model: 'all', payload: Buffer.alloc(4096 + 100) });
    expect(await peer.closed).toEqual({ code: 4422, reason: 'snapshot.payload is 4196 bytes, limit 4096' });
  });

  it('a 1 GiB length claim in a WebSocket frame header: closed with 1009 before any of it is buffered', async () => {
    const sock = await rawUpgrade();
    const got = drain(sock);
    const head = Buffer.alloc(14);
    head[0] = 0x82; // FIN + binary
    head[1] = 0x80 | 127; // masked, 64-bit length
    head.writeBigUInt64BE(1n << 30n, 2);
    randomBytes(4).copy(head, 10);
    sock.write(head);
    expect(closeCodeIn(await got)).toBe(1009);
    await eventually(() => rejections().length === 1);
    expect(rejections()[0]).toMatch(/^E_TOO_LARGE \(1009\)/);
  });

  it('a peer that stops mid-frame before authenticating: cut off at the handshake timeout', async () => {
    const sock = await rawUpgrade();
    const got = drain(sock);
    const t0 = performance.now();
    const head = Buffer.from([0x82, 0x80 | 100, 1, 2, 3, 4, 9, 9, 9]); // 100-byte frame, 5 bytes sent
    sock.write(head);
    await got;
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(300 + 1_500);
    expect(rejections()).toEqual(['E_HANDSHAKE_TIMEOUT (4000): peer not authenticated within 300 ms']);
  });

  it('a peer that stops mid-frame after authenticating: declared dead by the heartbeat detector', async () => {
    const peer = await authenticated();
    const dead = new Promise<number>((r) => standby.once('peer-dead', r));
    // A masked frame header announcing 1000 bytes, then 10 of them, then silence.
    const sock = (peer.ws as unknown as { _socket: Socket })._socket;
    sock.write(Buffer.concat([Buffer.from([0x82, 0x80 | 126, 0x03, 0xe8, 1, 2, 3, 4]), Buffer.alloc(10)]));
    expect(await dead).toBeGreaterThanOrEqual(30);
    expect((await peer.closed).code).toBe(1006); // terminated: a dead peer gets no close handshake
  });

  it('a replayed old sequence number: E_REPLAY', async () => {
    const peer = await authenticated();
    peer.send({ t: 'snapshot', seq: 5, pkt: 5, model: 'all', payload: Buffer.alloc(32) });
    peer.send({ t: 'state', seq: 6, pkt: 6, model: 'all', payload: Buffer.from('a') });
    peer.send({ t: 'state', seq: 6, pkt: 6, model: 'all', payload: Buffer.from('a') });
    expect(await peer.closed).toEqual({ code: 4408, reason: 'state seq 6 replayed: seq 6 already applied' });
    expect(standby.lastDelivered).toBe(6);
  });

  it('a sequence gap asks for a full resync instead of applying out of order', async () => {
    const peer = await authenticated();
    peer.send({ t: 'snapshot', seq: 5, pkt: 5, model: 'all', payload: Buffer.alloc(32) });
    await peer.acked(5); // `last` is the last *applied* seq: wait until the middlebox has it
    peer.send({ t: 'state', seq: 9, pkt: 9, model: 'all', payload: Buffer.from('a') });
    const r = await peer.next('resync', 2);
    expect(r).toEqual({ t: 'resync', reason: 'gap', last: 5 });
    // Frames sent before the snapshot arrives are dropped, not applied.
    peer.send({ t: 'state', seq: 10, pkt: 10, model: 'all', payload: Buffer.from('a') });
    peer.send({ t: 'snapshot', seq: 10, pkt: 10, model: 'all', payload: Buffer.alloc(32) });
    await peer.acked(10);
    expect(peer.received.filter((e) => e.t === 'ack').every((e) => e.t === 'ack' && [5, 10].includes(e.seq))).toBe(true);
    expect(standby.discarded).toBe(1);
    peer.close();
    await peer.closed;
  });

  it('a peer with the same role (or a reflected hello): E_ROLE', async () => {
    const peer = await RawPeer.connect(url, 'standby');
    await peer.handshake();
    expect(await peer.closed).toEqual({ code: 4409, reason: 'peer claims role standby, the same as ours' });
  });

  it('a peer with another transfer model: E_MODEL', async () => {
    const peer = await RawPeer.connect(url, 'primary', { model: 'flowspace' });
    await peer.handshake();
    expect(await peer.closed).toEqual({ code: 4412, reason: 'peer uses model flowspace, we use all' });
  });

  it('a peer speaking another protocol version: E_VERSION', async () => {
    const peer = await RawPeer.connect(url, 'primary');
    peer.send({ t: 'challenge', v: PROTOCOL_VERSION + 1, nonce: randomBytes(32) });
    expect(await peer.closed).toEqual({ code: 4426, reason: `peer speaks version ${PROTOCOL_VERSION + 1}, we speak ${PROTOCOL_VERSION}` });
  });

  it('a flood over the frame rate limit: E_RATE', async () => {
    const peer = await authenticated();
    const closed = new Promise<unknown>((r) => standby.once('closed', (_id, info) => r(info)));
    for (let i = 0; i < 5_000; i++) peer.send({ t: 'heartbeat', n: i });
    // The flooder itself may only see a reset: the agent closed with 5000 frames unread.
    await peer.closed;
    expect(await closed).toEqual({ code: 4429, reason: 'more than 2000 frames per second', error: 'E_RATE', by: 'us' });
    expect(rejections()).toEqual(['E_RATE (4429): more than 2000 frames per second']);
  });

  it('an unknown key smuggled into an envelope (e.g. __proto__): E_MALFORMED', async () => {
    const peer = await RawPeer.connect(url, 'primary');
    // fixmap(2) {"t":"challenge","__proto__":1}
    const bytes = Buffer.concat([Buffer.from([0x82, 0xa1, 0x74, 0xa9]), Buffer.from('challenge'), Buffer.from([0xa9]), Buffer.from('__proto__'), Buffer.from([0x01])]);
    peer.sendRaw(bytes);
    expect((await peer.closed).reason).toBe('unknown key "__proto__" at byte 13');
  });

  it('a second authenticated peer replaces the first (a reconnecting primary is not locked out)', async () => {
    const a = await authenticated();
    const b = await authenticated();
    expect(await a.closed).toEqual({ code: 1000, reason: 'replaced by a newer authenticated peer' });
    expect(b.received.filter((e) => e.t === 'resync')).toEqual([{ t: 'resync', reason: 'reconnect', last: -1 }]);
    b.close();
    await b.closed;
  });
});

describe('random frames over a live connection (bounded fuzzing)', () => {
  it('every random or mutated frame, before or after authentication, is rejected with a stable code and the agent lives on', async () => {
    const valid = [
      encodeEnvelope({ t: 'challenge', v: PROTOCOL_VERSION, nonce: randomBytes(32) }),
      encodeEnvelope({ t: 'state', seq: 1, pkt: 1, model: 'all', payload: randomBytes(20) }),
      encodeEnvelope({ t: 'takeover', seq: 3 }),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b)),
          fc.tuple(fc.nat(valid.length - 1), fc.nat(), fc.nat(255)).map(([i, pos, v]) => {
            const b = Buffer.from(valid[i]!);
            b[pos % b.length] = v;
            return b;
          }),
        ),
        fc.boolean(),
        async (bytes, afterAuth) => {
          const lastClose = new Promise<{ error?: string }>((r) => standby.once('closed', (_id, info) => r(info)));
          const peer = afterAuth ? await authenticated() : await RawPeer.connect(url, 'primary');
          peer.sendRaw(bytes);
          // Something legal may slip through (a mutated but valid frame): then the session goes
          // on until we close it, or until the standby finds this silent primary dead (1006).
          const timer = setTimeout(() => peer.close(), 150);
          const c = await peer.closed;
          clearTimeout(timer);
          const info = await lastClose;
          const known = info.error === undefined || Object.prototype.hasOwnProperty.call(PROTOCOL_ERRORS, info.error);
          return known && [1000, 1005, 1006, 4400, 4405, 4408, 4417, 4422, 4426, 4412, 4401, 4409].includes(c.code);
        },
      ),
      { numRuns: 40, seed: 99 },
    );
    expect(standby.openConnections).toBe(0);
  });
});

describe('heartbeat failure detection', () => {
  it('declares a silent primary dead after missLimit × heartbeatMs, not before, and keeps a live one', async () => {
    const peer = await authenticated();
    let dead: number | null = null;
    standby.on('peer-dead', (ms) => (dead = ms));
    // 200 ms of heartbeats every 10 ms: never declared dead.
    let lastSent = 0;
    for (let i = 0; i < 20; i++) {
      peer.send({ t: 'heartbeat', n: i });
      lastSent = performance.now();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(dead).toBeNull();
    // Silence: detected once 3 × 10 ms have passed since the last frame.
    await peer.closed;
    const detectedAfter = performance.now() - lastSent;
    expect(dead).not.toBeNull();
    expect(dead!).toBeGreaterThanOrEqual(30);
    expect(detectedAfter).toBeLessThan(30 + 250); // generous: 2 shared cores under a full test run
  });
});

describe('hostile peers against the primary agent', () => {
  it('a standby that stops acknowledging is dropped after ackTimeoutMs, and the primary keeps serving', async () => {
    const m = inProcessPrimary({ frames: 0, size: 16 });
    const events: AgentLogEvent[] = [];
    const primary = new PrimaryAgent(m.link, { key: KEY, model: 'all', heartbeatMs: 10, ackTimeoutMs: 200, log: (e) => events.push(e) });
    const p = await primary.listen(0);
    try {
      const mute = await RawPeer.connect(`ws://127.0.0.1:${p}`, 'standby');
      await mute.handshake();
      const t0 = performance.now();
      mute.send({ t: 'resync', reason: 'connect', last: -1 });
      await mute.next('snapshot'); // and never ack it
      const closed = await mute.closed;
      const waited = performance.now() - t0;
      expect(closed.code).toBe(1006); // terminated: no close handshake with a hung peer
      expect(waited).toBeGreaterThanOrEqual(200);
      expect(waited).toBeLessThan(200 + 1_000);
      expect(events.filter((e) => e.event === 'reject').map((e) => e.detail)).toEqual([
        expect.stringMatching(/^E_PEER_DEAD \(4001\): standby acknowledged nothing after seq -1 for \d+ ms \(last sent 0\)$/),
      ]);
      // A good standby gets in afterwards and is served.
      const good = await RawPeer.connect(`ws://127.0.0.1:${p}`, 'standby');
      await good.handshake();
      good.send({ t: 'resync', reason: 'reconnect', last: -1 });
      const snap = await good.next('snapshot');
      good.send({ t: 'ack', seq: snap.seq });
      await new Promise((r) => setTimeout(r, 300));
      expect(good.ws.readyState).toBe(good.ws.OPEN);
      good.close();
      await good.closed;
    } finally {
      await primary.close();
    }
  });

  it('an unauthenticated standby gets no state, and a bogus ack is rejected', async () => {
    const m = inProcessPrimary({ frames: 5, size: 16, eager: true });
    const primary = new PrimaryAgent(m.link, { key: KEY, model: 'all', heartbeatMs: 50 });
    const p = await primary.listen(0);
    try {
      const bad = await RawPeer.connect(`ws://127.0.0.1:${p}`, 'standby', { key: WRONG_KEY });
      await bad.handshake();
      expect((await bad.closed).code).toBe(4401);
      expect(bad.received.some((e) => e.t === 'state' || e.t === 'snapshot')).toBe(false);

      const peer = await RawPeer.connect(`ws://127.0.0.1:${p}`, 'standby');
      await peer.handshake();
      peer.send({ t: 'resync', reason: 'connect', last: -1 });
      const snap = await peer.next('snapshot');
      peer.send({ t: 'ack', seq: snap.seq + 1000 });
      expect(await peer.closed).toEqual({ code: 4422, reason: `ack for seq ${snap.seq + 1000}, never sent (last sent ${snap.seq})` });
      void helloMac;
    } finally {
      await primary.close();
    }
  });
});

describe('a standby whose middlebox goes away', () => {
  it('reports it and rejects the primary with E_MBOX instead of going silent', async () => {
    const { PassThrough } = await import('node:stream');
    const { MboxLink } = await import('../../../harness/agent/index.js');
    const toAgent = new PassThrough();
    const agent = new StandbyAgent(new MboxLink(toAgent, new PassThrough()), { key: KEY, model: 'all', heartbeatMs: 1_000 });
    const p = await agent.listen(0);
    try {
      const peer = await RawPeer.connect(`ws://127.0.0.1:${p}`, 'primary');
      await peer.handshake();
      await peer.next('resync');
      const failed = new Promise<string>((r) => agent.once('mbox-error', (e) => r(e.message)));
      toAgent.end();
      expect(await failed).toBe('E_MBOX: standby middlebox closed its frame stream');
      expect(await peer.closed).toEqual({ code: 4500, reason: 'standby middlebox failed: standby middlebox closed its frame stream' });
    } finally {
      await agent.close();
    }
  });
});
