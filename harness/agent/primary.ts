// The primary agent: reads state frames from its middlebox (fd 3) and streams
// them to the standby as envelopes; answers resync with a snapshot it asks the
// middlebox for (fd 4); heartbeats; reports acks for output commit; takeover.
import { PRIMARY_SPEC, ProtocolError, type Envelope, type LocalFrame, type PrimaryState } from '../protocol/index.js';
import { AgentBase } from './agent-base.js';
import type { CloseInfo, Connection } from './connection.js';
import type { MboxLink } from './mbox-link.js';
import { DEFAULT_ACK_TIMEOUT_MS, type AgentOptions } from './options.js';

export interface PrimaryEvents {
  /** The standby has applied every frame up to this seq: output up to it may be committed. */
  ack: [number];
  /** The standby asked for a full snapshot. */
  resync: [string];
  /** The middlebox link failed. */
  'mbox-error': [ProtocolError];
  /** The middlebox exported a frame (whether or not a standby receives it), with its output marks. */
  frame: [{ t: 'state' | 'snapshot'; seq: number; pkt: number; out: readonly number[] }];
}

/**
 * Stop reading the middlebox while this many bytes or frames wait for the
 * socket: the middlebox then blocks on fd 3 instead of the agent buffering
 * without bound or starving its own timers (heartbeats) in one long burst.
 */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;
const HIGH_WATER_FRAMES = 1024;

export class PrimaryAgent extends AgentBase<PrimaryState, PrimaryEvents> {
  /** Highest seq sent to the current standby, -1 before any. */
  lastSentSeq = -1;
  /** Highest seq the standby acknowledged in this session. */
  lastAckedSeq = -1;
  /** Frames from the middlebox dropped because no standby was streaming. */
  dropped = 0;
  sent = 0;
  private inflightBytes = 0;
  /** When the oldest unacknowledged frame of the session was first seen unacknowledged. */
  private waitingSince: number | null = null;
  private readonly ackTimeoutMs: number;
  private inflightFrames = 0;
  private paused = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private pendingTakeover: { seq: number; resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly link: MboxLink,
    options: AgentOptions,
  ) {
    super(PRIMARY_SPEC, options);
    this.ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    link.on('frame', (f, body) => this.fromMbox(f, body));
    link.on('error', (e) => {
      this.log('error', 0, 'mbox-error', e.message);
      this.emitEvent('mbox-error', e);
    });
  }

  /**
   * Hand over to the standby: it goes live once it has applied the last frame
   * sent. Resolves when it acknowledges the takeover.
   */
  takeover(): Promise<number> {
    const c = this.active;
    if (!c || c.machine.state !== 'streaming') {
      return Promise.reject(new ProtocolError('E_ILLEGAL_FRAME', `takeover needs a streaming standby (state ${c?.machine.state ?? 'no peer'})`));
    }
    const seq = this.lastSentSeq;
    return new Promise<number>((resolve, reject) => {
      this.pendingTakeover = { seq, resolve: () => resolve(seq), reject };
      c.send({ t: 'takeover', seq });
      this.log('info', c.id, 'takeover', `at seq ${seq}`);
    });
  }

  protected sessionStarted(conn: Connection<PrimaryState>): void {
    this.lastSentSeq = -1;
    this.lastAckedSeq = -1;
    this.waitingSince = null;
    clearInterval(this.heartbeat);
    let n = 0;
    this.heartbeat = conn.setTimer(() => {
      if (conn.canSend('heartbeat')) conn.send({ t: 'heartbeat', n: n++ });
      this.checkAckProgress(conn);
    }, this.opts.heartbeatMs, true);
  }

  /**
   * A standby that stops acknowledging (hung, or its middlebox stuck) would
   * soon stall the primary middlebox through backpressure. Past ackTimeoutMs
   * without progress the primary drops it and keeps running; a standby that
   * comes back resynchronises.
   */
  private checkAckProgress(conn: Connection<PrimaryState>): void {
    if (this.lastSentSeq <= this.lastAckedSeq) {
      this.waitingSince = null;
      return;
    }
    const now = performance.now();
    this.waitingSince ??= now;
    if (now - this.waitingSince >= this.ackTimeoutMs) {
      conn.reject(
        new ProtocolError('E_PEER_DEAD', `standby acknowledged nothing after seq ${this.lastAckedSeq} for ${Math.round(now - this.waitingSince)} ms (last sent ${this.lastSentSeq})`),
        { terminate: true },
      );
    }
  }

  protected sessionEnvelope(conn: Connection<PrimaryState>, env: Envelope): void {
    switch (env.t) {
      case 'resync':
        this.log('info', conn.id, 'resync', `${env.reason}, standby last applied ${env.last}`);
        this.emitEvent('resync', env.reason);
        this.link.send({ t: 'snapshot-request' });
        return;
      case 'ack': {
        if (env.seq > this.lastSentSeq) throw new ProtocolError('E_INVALID_FIELD', `ack for seq ${env.seq}, never sent (last sent ${this.lastSentSeq})`);
        if (env.seq < this.lastAckedSeq && conn.machine.state !== 'handingOver') {
          throw new ProtocolError('E_REPLAY', `ack for seq ${env.seq} after ack for ${this.lastAckedSeq}`);
        }
        if (env.seq > this.lastAckedSeq) this.waitingSince = null; // progress
        this.lastAckedSeq = env.seq;
        this.emitEvent('ack', env.seq);
        if (this.pendingTakeover && env.seq === this.pendingTakeover.seq && conn.machine.state === 'handingOver') {
          const p = this.pendingTakeover;
          this.pendingTakeover = null;
          p.resolve();
        }
        return;
      }
      default:
        // The state machine admits nothing else to the primary after authentication.
        throw new ProtocolError('E_ILLEGAL_FRAME', `${env.t} frame unexpected at the primary`);
    }
  }

  protected sessionEnded(_conn: Connection<PrimaryState>, info: CloseInfo): void {
    clearInterval(this.heartbeat);
    if (this.pendingTakeover) {
      const p = this.pendingTakeover;
      this.pendingTakeover = null;
      p.reject(new ProtocolError('E_PEER_DEAD', `standby closed before acknowledging takeover: ${info.code} ${info.reason}`));
    }
    this.inflightBytes = 0;
    this.inflightFrames = 0;
    this.resumeLink();
  }

  private fromMbox(f: LocalFrame, body: Buffer): void {
    if (f.t !== 'state' && f.t !== 'snapshot') {
      this.link.emit('error', new ProtocolError('E_MBOX', `primary middlebox sent a ${f.t} frame`));
      return;
    }
    this.emit('frame', { t: f.t, seq: f.seq, pkt: f.pkt, out: f.out ?? [] });
    const c = this.active;
    // Before the standby's resync, and with no standby, frames are dropped: the snapshot that follows covers them.
    if (!c || !c.canSend(f.t)) {
      this.dropped++;
      return;
    }
    const size = f.payload.length + 64;
    this.inflightBytes += size;
    this.inflightFrames++;
    // The body passed decodeLocal's checks, which are the envelope's: forward it as is.
    c.sendEncoded(f.t, body, () => {
      this.inflightBytes = Math.max(0, this.inflightBytes - size);
      this.inflightFrames = Math.max(0, this.inflightFrames - 1);
      if (this.paused && this.inflightBytes < HIGH_WATER_BYTES / 2 && this.inflightFrames < HIGH_WATER_FRAMES / 2) this.resumeLink();
    });
    this.sent++;
    this.lastSentSeq = f.seq;
    if ((this.inflightBytes > HIGH_WATER_BYTES || this.inflightFrames > HIGH_WATER_FRAMES) && !this.paused) {
      this.paused = true;
      this.link.pause();
    }
  }

  private resumeLink(): void {
    if (!this.paused) return;
    this.paused = false;
    this.link.resume();
  }

  override async close(reason?: string): Promise<void> {
    clearInterval(this.heartbeat);
    await super.close(reason);
  }
}
