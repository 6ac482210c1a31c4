// The standby agent: authenticates the primary, feeds its state frames to the
// standby middlebox (fd 4) strictly in order, acks each once the middlebox has
// applied it (fd 3), detects a dead primary from missed heartbeats, resyncs on
// a gap or reconnect, and makes the middlebox go live on takeover.
import { classifySeq, CLOSE_NORMAL, ProtocolError, STANDBY_SPEC, type Envelope, type LocalFrame, type StandbyState } from '../protocol/index.js';
import { AgentBase } from './agent-base.js';
import { SilenceDetector } from './detector.js';
import type { CloseInfo, Connection } from './connection.js';
import type { MboxLink } from './mbox-link.js';
import type { AgentOptions } from './options.js';

export interface StandbyEvents {
  /** Missed heartbeats: no frame from the primary for this many ms. */
  'peer-dead': [number];
  /** A full resynchronisation was requested, with the reason. */
  resync: [string];
  /** Frames up to `seq` were applied by the middlebox (and acked if its session is still open). */
  applied: [number];
  /** The middlebox has gone live after applying `seq`. */
  live: [number];
  /** The live middlebox exported a frame of its own: it is a primary now (with no standby of its own here). */
  'own-frame': [LocalFrame];
  'mbox-error': [ProtocolError];
}

export class StandbyAgent extends AgentBase<StandbyState, StandbyEvents> {
  /** Highest seq handed to the middlebox, -1 before any. */
  lastDelivered = -1;
  /** Highest seq the middlebox reported applied. */
  lastApplied = -1;
  /** State frames dropped while a resync was pending. */
  discarded = 0;
  delivered = 0;
  isLive = false;
  /** Frames the middlebox exported itself after going live (one per packet it processed). */
  ownFrames = 0;
  /** Seqs delivered in the current session, awaiting an `applied` at or after them from the middlebox. */
  private awaitingApply = new Set<number>();
  private session: Connection<StandbyState> | null = null;
  private liveWaiters: Array<(seq: number) => void> = [];
  private takingOver = false;
  private detector: SilenceDetector | undefined;
  private lostTimer: NodeJS.Timeout | undefined;
  private pendingAck: { conn: Connection<StandbyState>; seq: number } | null = null;

  constructor(
    private readonly link: MboxLink,
    options: AgentOptions,
  ) {
    super(STANDBY_SPEC, options);
    link.on('frame', (f) => this.fromMbox(f));
    link.on('error', (e) => {
      this.log('error', 0, 'mbox-error', e.message);
      this.emitEvent('mbox-error', e);
      this.session?.reject(new ProtocolError('E_MBOX', `standby middlebox failed: ${e.detail}`));
    });
    // Without its middlebox a standby can apply nothing: say so rather than let acks stop silently.
    link.on('end', () => {
      if (this.isLive) return;
      link.emit('error', new ProtocolError('E_MBOX', 'standby middlebox closed its frame stream'));
    });
  }

  /**
   * Make the middlebox go live now (crash failover after peer-dead, decided by
   * the controller). Resolves with the last seq applied.
   */
  takeover(): Promise<number> {
    this.session?.end('standby taking over');
    return this.goLive(this.lastDelivered);
  }

  protected sessionStarted(conn: Connection<StandbyState>, reconnect: boolean): void {
    if (this.isLive || this.takingOver) {
      conn.reject(new ProtocolError('E_ILLEGAL_FRAME', 'standby has already taken over'));
      return;
    }
    this.session = conn;
    clearTimeout(this.lostTimer);
    this.lostTimer = undefined;
    this.awaitingApply.clear();
    this.requestResync(conn, reconnect ? 'reconnect' : 'connect');
    this.armDetector(conn);
  }

  protected sessionEnvelope(conn: Connection<StandbyState>, env: Envelope, raw: Buffer): void {
    switch (env.t) {
      case 'heartbeat':
        return;
      case 'snapshot':
        this.checkModel(env.model);
        this.deliver(env, raw);
        this.log('info', conn.id, 'synchronised', `snapshot at seq ${env.seq}, ${env.payload.length} bytes`);
        return;
      case 'state': {
        if (conn.machine.state === 'syncing') {
          this.discarded++;
          return;
        }
        this.checkModel(env.model);
        const v = classifySeq(this.lastDelivered, env.seq);
        if (v.kind === 'replay') throw new ProtocolError('E_REPLAY', `state seq ${env.seq} replayed: seq ${v.last} already applied`);
        if (v.kind === 'gap') {
          this.log('warn', conn.id, 'gap', `expected seq ${v.expected}, got ${env.seq}`);
          this.requestResync(conn, 'gap');
          return;
        }
        this.deliver(env, raw);
        return;
      }
      case 'takeover':
        if (env.seq !== this.lastDelivered) {
          throw new ProtocolError('E_TAKEOVER', `takeover at seq ${env.seq}, but the standby has seq ${this.lastDelivered}`);
        }
        this.log('info', conn.id, 'takeover', `at seq ${env.seq}`);
        void this.goLive(env.seq).then((seq) => {
          if (conn.canSend('ack')) conn.send({ t: 'ack', seq });
          conn.end('standby is live');
        });
        return;
      default:
        throw new ProtocolError('E_ILLEGAL_FRAME', `${env.t} frame unexpected at the standby`);
    }
  }

  protected sessionEnded(conn: Connection<StandbyState>, info: CloseInfo): void {
    this.detector?.stop();
    if (this.session === conn) this.session = null;
    this.awaitingApply.clear();
    // A primary that vanished without bye (crash, reset) is as good as silent: unless an
    // authenticated primary is back within the heartbeat deadline, it is dead. The
    // heartbeat detector already reported the silent case.
    const orderly = info.code === CLOSE_NORMAL || info.error === 'E_PEER_DEAD' || this.isLive || this.takingOver;
    if (!orderly && this.lostTimer === undefined) {
      const since = performance.now() - conn.lastSeen;
      const deadline = this.opts.heartbeatMs * this.opts.missLimit;
      this.lostTimer = setTimeout(() => {
        this.lostTimer = undefined;
        if (this.session !== null || this.isLive || this.takingOver) return;
        const silent = performance.now() - conn.lastSeen;
        this.log('warn', conn.id, 'peer-dead', `connection lost (${info.code} ${info.reason}) and no primary back for ${silent.toFixed(1)} ms`);
        this.emitEvent('peer-dead', silent);
      }, Math.max(0, deadline - since));
    }
  }

  override async close(reason?: string): Promise<void> {
    clearTimeout(this.lostTimer);
    this.lostTimer = undefined;
    await super.close(reason);
  }

  private checkModel(model: string): void {
    if (model !== this.opts.model) throw new ProtocolError('E_MODEL', `frame for model ${model}, session uses ${this.opts.model}`);
  }

  private requestResync(conn: Connection<StandbyState>, reason: 'connect' | 'reconnect' | 'gap'): void {
    conn.send({ t: 'resync', reason, last: this.lastApplied });
    this.emitEvent('resync', reason);
  }

  /** Hand a frame to the middlebox: the validated envelope bytes are the local frame body. */
  private deliver(env: Extract<Envelope, { t: 'state' | 'snapshot' }>, raw: Buffer): void {
    this.lastDelivered = env.seq;
    this.delivered++;
    this.awaitingApply.add(env.seq);
    this.link.sendBody(raw);
  }

  /** Failure detector: the primary is dead after missLimit × heartbeatMs without any frame while our loop ran. */
  private armDetector(conn: Connection<StandbyState>): void {
    this.detector?.stop();
    this.detector = new SilenceDetector({
      heartbeatMs: this.opts.heartbeatMs,
      missLimit: this.opts.missLimit,
      lastSeen: () => conn.lastSeen,
      setTimer: (fn, ms) => conn.setTimer(fn, ms),
      onDead: (silent, stalled) => {
        if (conn.isClosed) return;
        const own = stalled > 0 ? ` (plus ${stalled.toFixed(1)} ms our own loop was stalled, not counted)` : '';
        this.log('warn', conn.id, 'peer-dead', `no frame for ${silent.toFixed(1)} ms${own}`);
        this.emitEvent('peer-dead', silent);
        conn.reject(new ProtocolError('E_PEER_DEAD', `no heartbeat for ${silent.toFixed(1)} ms`), { terminate: true });
      },
    });
  }

  private goLive(seq: number): Promise<number> {
    return new Promise((resolve) => {
      this.liveWaiters.push(resolve);
      if (this.isLive) return this.flushLive(seq);
      if (!this.takingOver) {
        this.takingOver = true;
        this.link.send({ t: 'takeover', seq });
      }
    });
  }

  private flushLive(seq: number): void {
    const w = this.liveWaiters;
    this.liveWaiters = [];
    for (const r of w) r(seq);
  }

  /**
   * Acks are cumulative ("applied every frame up to seq"), so all the frames
   * applied in one turn of the event loop are acknowledged by one ack.
   */
  private scheduleAck(seq: number): void {
    const c = this.session;
    if (!c) return;
    const first = this.pendingAck === null;
    this.pendingAck = { conn: c, seq };
    if (!first) return;
    setImmediate(() => {
      const p = this.pendingAck;
      this.pendingAck = null;
      if (p && p.conn === this.session && p.conn.canSend('ack')) p.conn.send({ t: 'ack', seq: p.seq });
    });
  }

  private fromMbox(f: LocalFrame): void {
    if (f.t === 'applied') {
      // Cumulative: the middlebox reports once for every frame it had buffered (middleboxes/runtime).
      if (f.seq > this.lastApplied || this.awaitingApply.has(f.seq)) this.lastApplied = f.seq;
      this.emitEvent('applied', f.seq);
      // Delivered in increasing seq order, which is the set's order: stop at the first later one.
      let ours = false;
      for (const s of this.awaitingApply) {
        if (s > f.seq) break;
        this.awaitingApply.delete(s);
        ours = true;
      }
      if (ours) this.scheduleAck(f.seq);
      return;
    }
    if (f.t === 'live') {
      this.isLive = true;
      this.log('info', 0, 'live', `middlebox live after seq ${f.seq}`);
      this.emitEvent('live', f.seq);
      this.flushLive(f.seq);
      return;
    }
    if (this.isLive && (f.t === 'state' || f.t === 'snapshot')) {
      this.ownFrames++;
      this.emitEvent('own-frame', f);
      return;
    }
    this.link.emit('error', new ProtocolError('E_MBOX', `standby middlebox sent a ${f.t} frame`));
  }
}
