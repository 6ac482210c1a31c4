// What both agents share: listening for or connecting to a peer, one active
// session at a time (a newly authenticated peer replaces the old one), and
// shutdown that leaves no socket or timer behind.
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { maxFrameBytes, MIN_KEY_BYTES, type MachineSpec, type Envelope } from '../protocol/index.js';
import { StatelabError } from '../errors.js';
import { Connection, type CloseInfo, type SessionHooks } from './connection.js';
import { resolveOptions, type AgentOptions, type ResolvedAgentOptions } from './options.js';

export interface AgentBaseEvents {
  /** A peer authenticated (connection number). */
  peer: [number];
  /** A session ended; `info.error` is set when we rejected the peer. */
  closed: [number, CloseInfo];
}

export abstract class AgentBase<S extends string, E extends Record<keyof E, unknown[]>> extends EventEmitter<E & AgentBaseEvents> implements SessionHooks {
  protected readonly opts: ResolvedAgentOptions;
  /** The authenticated session, if any. */
  protected active: Connection<S> | null = null;
  private readonly all = new Set<Connection<S>>();
  private server: WebSocketServer | null = null;
  private nextId = 1;
  private hadPeer = false;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private client: WebSocket | null = null;
  private retryBaseMs = 200;
  private retryDelayMs = 200;

  constructor(
    private readonly spec: MachineSpec<S>,
    options: AgentOptions,
  ) {
    super();
    this.opts = resolveOptions(options);
    if (this.opts.key.length < MIN_KEY_BYTES) {
      throw new StatelabError('E_USAGE', `agent key is ${this.opts.key.length} bytes, at least ${MIN_KEY_BYTES} needed`);
    }
  }

  /** Sessions ever accepted (a test checks a good peer still gets in after bad ones). */
  get connectionCount(): number {
    return this.nextId - 1;
  }

  /** Open connections, authenticated or not. */
  get openConnections(): number {
    return this.all.size;
  }

  /** Listen on `port` (0: any); resolves to the bound port. */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ port, host, maxPayload: maxFrameBytes(this.opts), perMessageDeflate: false, clientTracking: false });
      this.server = wss;
      wss.once('error', reject);
      wss.once('listening', () => {
        wss.off('error', reject);
        wss.on('error', (e) => this.log('error', 0, 'server-error', e.message));
        resolve((wss.address() as AddressInfo).port);
      });
      wss.on('connection', (ws) => this.adopt(ws));
    });
  }

  /**
   * Connect to a listening peer, and again whenever the session ends: after
   * `retryMs`, doubling on each attempt that did not authenticate, up to 5 s.
   */
  connect(url: string, retryMs = 200): void {
    this.retryBaseMs = this.retryDelayMs = retryMs;
    const attempt = (): void => {
      if (this.stopped) return;
      // An all-zero masking key makes ws skip masking: masking protects browser-facing
      // proxies from cache poisoning, and an agent's peer is another agent, not a browser.
      const ws = new WebSocket(url, { maxPayload: maxFrameBytes(this.opts), perMessageDeflate: false, generateMask: () => {} });
      this.client = ws;
      let adopted = false;
      ws.once('open', () => {
        adopted = true;
        this.adopt(ws);
      });
      ws.once('close', () => {
        if (this.client === ws) this.client = null;
        if (this.stopped) return;
        this.reconnectTimer = setTimeout(attempt, this.retryDelayMs);
        this.retryDelayMs = Math.min(this.retryDelayMs * 2, Math.max(retryMs, 5_000));
      });
      ws.on('error', (e) => {
        if (!adopted) this.log('warn', 0, 'connect-failed', `${url}: ${e.message}`);
      });
    };
    attempt();
  }

  /** Stop: bye to the peer, close every socket and the server, clear timers. */
  async close(reason = 'agent shutting down'): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const closing = [...this.all].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === c.ws.CLOSED) return resolve();
          c.ws.once('close', () => resolve());
          c.end(reason);
        }),
    );
    if (this.client && this.client.readyState === this.client.CONNECTING) this.client.terminate();
    await Promise.all(closing);
    if (this.server) {
      const s = this.server;
      this.server = null;
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  protected log(level: 'info' | 'warn' | 'error', conn: number, event: string, detail?: string): void {
    this.opts.log({ level, conn, event, detail });
  }

  private adopt(ws: WebSocket): void {
    if (this.stopped) {
      ws.terminate();
      return;
    }
    const conn = new Connection<S>(this.nextId++, ws, this.spec, this.opts, this);
    this.all.add(conn);
    this.log('info', conn.id, 'connected');
  }

  onAuthenticated(conn: Connection): void {
    const c = conn as Connection<S>;
    this.retryDelayMs = this.retryBaseMs; // authenticated: the next reconnect starts quick again
    const old = this.active;
    this.active = c;
    if (old && !old.isClosed) {
      this.log('warn', old.id, 'replaced', `by authenticated connection ${c.id}`);
      old.end(`replaced by a newer authenticated peer`);
    }
    this.emitBase('peer', c.id);
    const reconnect = this.hadPeer;
    this.hadPeer = true;
    this.sessionStarted(c, reconnect);
  }

  onEnvelope(conn: Connection, env: Envelope, raw: Buffer): void {
    this.sessionEnvelope(conn as Connection<S>, env, raw);
  }

  onClosed(conn: Connection, info: CloseInfo): void {
    const c = conn as Connection<S>;
    this.all.delete(c);
    const wasActive = this.active === c;
    if (wasActive) this.active = null;
    this.emitBase('closed', c.id, info);
    if (wasActive) this.sessionEnded(c, info);
  }

  private emitBase(event: keyof AgentBaseEvents, ...args: unknown[]): void {
    (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
  }

  protected emitEvent(event: string, ...args: unknown[]): void {
    (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
  }

  /** The session is authenticated; `reconnect` when this agent had a peer before. */
  protected abstract sessionStarted(conn: Connection<S>, reconnect: boolean): void;
  protected abstract sessionEnvelope(conn: Connection<S>, env: Envelope, raw: Buffer): void;
  protected abstract sessionEnded(conn: Connection<S>, info: CloseInfo): void;
}
