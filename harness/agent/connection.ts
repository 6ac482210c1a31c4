// One WebSocket peer session of an agent: drives its side's state machine,
// authenticates the peer, enforces size and rate limits, and closes exactly
// once with a stable code and reason (logged once), as ws's websocket.js does.
import type { WebSocket, RawData } from 'ws';
import {
  decodeEnvelope,
  encodeEnvelope,
  helloMac,
  newNonce,
  PROTOCOL_ERRORS,
  PROTOCOL_VERSION,
  ProtocolError,
  RateLimiter,
  StateMachine,
  truncateUtf8,
  verifyHelloMac,
  CLOSE_NORMAL,
  MAX_REASON_BYTES,
  type Envelope,
  type MachineSpec,
  type ProtocolErrorCode,
  type Role,
} from '../protocol/index.js';
import type { ResolvedAgentOptions } from './options.js';

export interface CloseInfo {
  /** Close code sent or received. */
  code: number;
  reason: string;
  /** Our stable error code when we rejected the peer. */
  error?: ProtocolErrorCode;
  /** Who ended the session. */
  by: 'us' | 'peer';
}

export interface SessionHooks {
  /** Peer proved the key; the machine is in its first authenticated state. */
  onAuthenticated(conn: Connection): void;
  /** A legal, validated envelope other than challenge/hello; may throw ProtocolError to reject. */
  onEnvelope(conn: Connection, env: Envelope, raw: Buffer): void;
  /** The session is over (called once). */
  onClosed(conn: Connection, info: CloseInfo): void;
}

export class Connection<S extends string = string> {
  readonly machine: StateMachine<S>;
  /** Time (performance.now) of the last frame received from the peer. */
  lastSeen = performance.now();
  private readonly nonce = newNonce();
  private readonly rate: RateLimiter;
  private closed = false;
  private corked = false;
  private closing: CloseInfo | null = null;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    spec: MachineSpec<S>,
    private readonly opts: ResolvedAgentOptions,
    private readonly hooks: SessionHooks,
  ) {
    this.machine = new StateMachine(spec);
    this.rate = new RateLimiter(opts.maxFramesPerSecond, performance.now());
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('error', (err: Error & { code?: string }) => this.onSocketError(err));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString('utf8')));
    this.handshakeTimer = setTimeout(
      () => this.reject(new ProtocolError('E_HANDSHAKE_TIMEOUT', `peer not authenticated within ${opts.handshakeMs} ms`)),
      opts.handshakeMs,
    );
    this.send({ t: 'challenge', v: PROTOCOL_VERSION, nonce: this.nonce });
  }

  get role(): Role {
    return this.machine.spec.role;
  }

  get isClosed(): boolean {
    return this.closed || this.closing !== null;
  }

  /** Send one envelope if the state machine allows it; false if closed. */
  send(env: Envelope, cb?: (err?: Error) => void): boolean {
    if (this.isClosed || this.ws.readyState !== this.ws.OPEN) return false;
    this.machine.sent(env.t);
    this.corkUntilCheck();
    this.ws.send(encodeEnvelope(env), { binary: true }, cb);
    return true;
  }

  /**
   * Frames sent until the event loop's check phase — everything sent while
   * handling one poll phase's I/O (all the frames read from the middlebox,
   * all the messages received) — leave in one write (writev) instead of one
   * system call each: system calls were the agents' largest cost for small
   * frames. ws exposes no cork, so this reaches for its socket when present.
   */
  private corkUntilCheck(): void {
    if (this.corked) return;
    const sock = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void; destroyed: boolean } })._socket;
    if (!sock || typeof sock.cork !== 'function') return;
    this.corked = true;
    sock.cork();
    setImmediate(() => {
      this.corked = false;
      if (!sock.destroyed) sock.uncork();
    });
  }

  /** Send bytes already known to be a valid envelope of kind `t` (forwarded state). */
  sendEncoded(t: Envelope['t'], bytes: Buffer, cb?: (err?: Error) => void): boolean {
    if (this.isClosed || this.ws.readyState !== this.ws.OPEN) return false;
    this.machine.sent(t);
    this.corkUntilCheck();
    this.ws.send(bytes, { binary: true }, cb);
    return true;
  }

  canSend(t: Envelope['t']): boolean {
    return !this.isClosed && this.machine.canSend(t);
  }

  /** Orderly end: bye, then a normal close. */
  end(reason: string): void {
    if (this.isClosed) return;
    const r = truncateUtf8(reason, MAX_REASON_BYTES);
    if (this.machine.canSend('bye')) this.send({ t: 'bye', reason: r });
    this.startClose({ code: CLOSE_NORMAL, reason: r, by: 'us' });
  }

  /** Reject the peer: error frame (if the state allows), close code + reason; logged once. */
  reject(err: ProtocolError, opts: { terminate?: boolean } = {}): void {
    if (this.isClosed) return;
    this.opts.log({ level: 'warn', conn: this.id, event: 'reject', detail: `${err.reason} (${err.closeCode}): ${err.detail}` });
    if (!opts.terminate && this.machine.canSend('error')) {
      this.send({ t: 'error', code: err.reason, reason: err.closeReason });
    }
    const info: CloseInfo = { code: err.closeCode, reason: err.closeReason, error: err.reason, by: 'us' };
    if (opts.terminate) {
      this.closing = info;
      this.ws.terminate();
    } else {
      this.startClose(info);
    }
  }

  /** A timer that dies with the connection. */
  setTimer(fn: () => void, ms: number, repeat = false): NodeJS.Timeout {
    const t = repeat ? setInterval(fn, ms) : setTimeout(() => (this.timers.delete(t), fn()), ms);
    this.timers.add(t);
    return t;
  }

  clearTimer(t: NodeJS.Timeout | undefined): void {
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  private startClose(info: CloseInfo): void {
    this.closing = info;
    this.machine.close();
    // ws.close throws on codes it considers invalid for sending; ours are all 1000/1001/1009/4xxx.
    this.ws.close(info.code, info.reason);
    // A peer that never answers the close handshake is cut off.
    this.closeTimer = setTimeout(() => this.ws.terminate(), this.opts.closeTimeoutMs);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.isClosed) return;
    this.lastSeen = performance.now();
    try {
      if (!this.rate.take(this.lastSeen)) {
        throw new ProtocolError('E_RATE', `more than ${this.opts.maxFramesPerSecond} frames per second`);
      }
      if (!isBinary) throw new ProtocolError('E_MALFORMED', 'text frame: envelopes are binary MessagePack');
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const env = decodeEnvelope(buf, { maxPayloadBytes: this.opts.maxPayloadBytes });
      this.machine.received(env.t);
      if (env.t === 'challenge') this.onChallenge(env.v, env.nonce);
      else if (env.t === 'hello') this.onHello(env);
      else if (env.t === 'error') this.onPeerError(env.code, env.reason);
      else if (env.t === 'bye') this.onBye(env.reason);
      else this.hooks.onEnvelope(this, env, buf);
    } catch (e) {
      if (e instanceof ProtocolError) this.reject(e);
      else this.reject(new ProtocolError('E_INTERNAL', `internal failure handling a frame: ${(e as Error).message}`));
    }
  }

  private onChallenge(v: number, peerNonce: Buffer): void {
    if (v !== PROTOCOL_VERSION) throw new ProtocolError('E_VERSION', `peer speaks version ${v}, we speak ${PROTOCOL_VERSION}`);
    this.send({ t: 'hello', v: PROTOCOL_VERSION, role: this.role, model: this.opts.model, auth: helloMac(this.opts.key, peerNonce, this.role, this.opts.model) });
  }

  private onHello(h: Extract<Envelope, { t: 'hello' }>): void {
    if (h.v !== PROTOCOL_VERSION) throw new ProtocolError('E_VERSION', `peer speaks version ${h.v}, we speak ${PROTOCOL_VERSION}`);
    if (h.role === this.role) throw new ProtocolError('E_ROLE', `peer claims role ${h.role}, the same as ours`);
    // MAC before model: an unauthenticated peer learns nothing about our configuration.
    if (!verifyHelloMac(this.opts.key, this.nonce, h.role, h.model, h.auth)) {
      throw new ProtocolError('E_AUTH', 'hello MAC does not match our challenge under the shared key');
    }
    if (h.model !== this.opts.model) throw new ProtocolError('E_MODEL', `peer uses model ${h.model}, we use ${this.opts.model}`);
    clearTimeout(this.handshakeTimer);
    this.opts.log({ level: 'info', conn: this.id, event: 'authenticated', detail: `peer ${h.role}, model ${h.model}` });
    this.hooks.onAuthenticated(this);
  }

  private onPeerError(code: ProtocolErrorCode, reason: string): void {
    this.opts.log({ level: 'warn', conn: this.id, event: 'peer-error', detail: `${code}: ${reason}` });
    this.closing = { code: PROTOCOL_ERRORS.E_PEER_ERROR.close, reason: `${code}: ${reason}`, error: 'E_PEER_ERROR', by: 'peer' };
    this.machine.close();
    this.ws.close(PROTOCOL_ERRORS.E_PEER_ERROR.close, truncateUtf8(`${code}: ${reason}`, MAX_REASON_BYTES));
    this.closeTimer = setTimeout(() => this.ws.terminate(), this.opts.closeTimeoutMs);
  }

  private onBye(reason: string): void {
    this.opts.log({ level: 'info', conn: this.id, event: 'bye', detail: reason });
    this.closing = { code: CLOSE_NORMAL, reason, by: 'peer' };
    this.machine.close();
    this.ws.close(CLOSE_NORMAL, truncateUtf8(reason, MAX_REASON_BYTES));
    this.closeTimer = setTimeout(() => this.ws.terminate(), this.opts.closeTimeoutMs);
  }

  private onSocketError(err: Error & { code?: string }): void {
    // ws has already failed the connection (and sent its own close code where it could).
    if (this.isClosed) return;
    const code: ProtocolErrorCode = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'E_TOO_LARGE' : 'E_MALFORMED';
    const pe = new ProtocolError(code, `WebSocket: ${err.message}`);
    this.opts.log({ level: 'warn', conn: this.id, event: 'reject', detail: `${pe.reason} (${pe.closeCode}): ${pe.detail}` });
    this.closing = { code: pe.closeCode, reason: pe.closeReason, error: code, by: 'us' };
    this.machine.close();
  }

  private onClose(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.closeTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.machine.close();
    const info = this.closing ?? { code, reason, by: 'peer' as const };
    this.opts.log({ level: 'info', conn: this.id, event: 'closed', detail: `${info.code} ${info.reason}${info.error ? ` [${info.error}]` : ''} by ${info.by}` });
    this.hooks.onClosed(this, info);
  }
}
