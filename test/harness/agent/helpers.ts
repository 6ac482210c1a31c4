// Test helpers for the agents: a scripted raw peer speaking (or abusing) the
// wire protocol, in-process fake middleboxes, and waiting utilities.
import { PassThrough } from 'node:stream';
import { WebSocket } from 'ws';
import {
  decodeEnvelope,
  encodeEnvelope,
  helloMac,
  newNonce,
  PROTOCOL_VERSION,
  type Envelope,
  type Model,
  type Role,
} from '../../../harness/protocol/index.js';
import { MboxLink } from '../../../harness/agent/index.js';
import { runPrimaryMbox, runStandbyMbox, type PrimaryMboxOptions, type StandbyMboxEvent } from '../../fixtures/agent/fake-mbox-core.mjs';

export const KEY = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
export const WRONG_KEY = Buffer.from('fedcba9876543210fedcba9876543210', 'utf8');

export function waitFor<T>(register: (done: (v: T) => void) => void, ms = 5_000, what = 'event'): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    register((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

/** Poll `cond` until true or `ms` pass (for effects on the other end of a socket). */
export async function eventually(cond: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

/** An in-process standby middlebox joined to a MboxLink by two PassThroughs. */
export function inProcessStandby(opts: { liveDelayMs?: number } = {}): { link: MboxLink; events: StandbyMboxEvent[]; digest(): Buffer } {
  const toAgent = new PassThrough();
  const toMbox = new PassThrough();
  const events: StandbyMboxEvent[] = [];
  const m = runStandbyMbox(toMbox, toAgent, { ...opts, onEvent: (e) => events.push(e) });
  return { link: new MboxLink(toAgent, toMbox), events, digest: m.digest };
}

export function inProcessPrimary(opts: PrimaryMboxOptions): { link: MboxLink; digest(): Buffer } {
  const toAgent = new PassThrough();
  const toMbox = new PassThrough();
  const m = runPrimaryMbox(toMbox, toAgent, opts);
  return { link: new MboxLink(toAgent, toMbox), digest: m.digest };
}

export interface PeerClose {
  code: number;
  reason: string;
}

/**
 * A raw WebSocket peer under the test's control. It records every envelope
 * it receives and how the connection closed, and can play the honest side.
 */
export class RawPeer {
  readonly received: Envelope[] = [];
  readonly closed: Promise<PeerClose>;
  private waiters: Array<() => void> = [];
  agentNonce: Buffer | null = null;
  readonly nonce = newNonce();

  private constructor(
    readonly ws: WebSocket,
    readonly role: Role,
    readonly model: Model,
    readonly key: Buffer,
  ) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer) => {
      try {
        const env = decodeEnvelope(data);
        if (env.t === 'challenge') this.agentNonce = env.nonce;
        this.received.push(env);
      } catch {
        // The agent only sends valid envelopes; a test would see the gap.
      }
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
  }

  static connect(url: string, role: Role, opts: { model?: Model; key?: Buffer } = {}): Promise<RawPeer> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const peer = new RawPeer(ws, role, opts.model ?? 'all', opts.key ?? KEY);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(peer));
      ws.once('error', reject);
    });
  }

  /** Wait until an envelope of type `t` has arrived (the n-th, counting from 1). */
  async next<T extends Envelope['t']>(t: T, nth = 1, ms = 3_000): Promise<Extract<Envelope, { t: T }>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hits = this.received.filter((e) => e.t === t);
      if (hits.length >= nth) return hits[nth - 1] as Extract<Envelope, { t: T }>;
      if (Date.now() > deadline) throw new Error(`peer: no ${t} frame within ${ms} ms (got ${this.received.map((e) => e.t).join(',')})`);
      await new Promise<void>((r) => {
        const t2 = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t2);
          r();
        });
      });
    }
  }

  /** Wait until a (cumulative) ack covers `seq`. */
  async acked(seq: number, ms = 3_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.received.some((e) => e.t === 'ack' && e.seq >= seq)) {
      if (Date.now() > deadline) throw new Error(`peer: no ack covering seq ${seq} within ${ms} ms`);
      await new Promise<void>((r) => {
        const t2 = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t2);
          r();
        });
      });
    }
  }

  sendRaw(bytes: Buffer | string, binary = true): void {
    this.ws.send(bytes, { binary });
  }

  send(env: Envelope): void {
    this.ws.send(encodeEnvelope(env), { binary: true });
  }

  /** A valid envelope of each type, honest where it can be (hello needs the agent's challenge). */
  async make(t: Envelope['t'], seq = 0): Promise<Envelope> {
    switch (t) {
      case 'challenge':
        return { t, v: PROTOCOL_VERSION, nonce: this.nonce };
      case 'hello': {
        const c = await this.next('challenge');
        return { t, v: PROTOCOL_VERSION, role: this.role, model: this.model, auth: helloMac(this.key, c.nonce, this.role, this.model) };
      }
      case 'state':
        return { t, seq, pkt: seq, model: this.model, payload: Buffer.from([1, 2, 3]) };
      case 'snapshot':
        return { t, seq, pkt: seq, model: this.model, payload: Buffer.alloc(32, 7) };
      case 'ack':
        return { t, seq };
      case 'heartbeat':
        return { t, n: 0 };
      case 'resync':
        return { t, reason: 'connect', last: -1 };
      case 'takeover':
        return { t, seq };
      case 'bye':
        return { t, reason: 'test' };
      case 'error':
        return { t, code: 'E_MALFORMED', reason: 'test' };
    }
  }

  /** Play the honest handshake: challenge, then hello; resolves once sent. */
  async handshake(): Promise<void> {
    this.send(await this.make('challenge'));
    this.send(await this.make('hello'));
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}
