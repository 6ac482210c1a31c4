// The agent's side of the middlebox byte stream (harness/protocol/README.md):
// reads length-prefixed local frames from the middlebox, writes frames to it.
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { decodeLocal, encodeLocal, LOCAL_LENGTH_BYTES, LocalFrameReader, ProtocolError, type LocalFrame } from '../protocol/index.js';
import type { Subprocess } from '../process/index.js';

/**
 * Reads shorter than this pause the stream for COALESCE_MS: the middlebox
 * writes one frame per packet, and a wake-up per frame (one read, one writev
 * to the peer, one on the other side) cost more than the frames themselves.
 * One millisecond of added replication delay; a full read is never delayed.
 */
const COALESCE_BELOW_BYTES = 16 * 1024;
const COALESCE_MS = 1;

export interface MboxLinkEvents {
  /** A validated frame and its encoded body (for forwarding without re-encoding). */
  frame: [LocalFrame, Buffer];
  /** The middlebox broke the local protocol or the stream failed; emitted once. */
  error: [ProtocolError];
  /** The middlebox closed its end cleanly. */
  end: [];
}

export class MboxLink extends EventEmitter<MboxLinkEvents> {
  private readonly reader: LocalFrameReader;
  private failed = false;
  private corked = false;
  private coalescing = false;
  private userPaused = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly maxPayloadBytes?: number,
  ) {
    super();
    this.reader = new LocalFrameReader(maxPayloadBytes === undefined ? undefined : maxPayloadBytes + 256);
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    input.on('end', () => {
      if (this.failed) return;
      try {
        this.reader.end();
        this.emit('end');
      } catch (e) {
        this.fail(e as ProtocolError);
      }
    });
    input.on('error', (e) => this.fail(new ProtocolError('E_MBOX', `middlebox stream error: ${e.message}`)));
    output.on('error', () => {}); // EPIPE after the middlebox exits; its exit is reported elsewhere
  }

  /** fd 3 of the middlebox carries its frames to us; fd 4 carries ours to it. */
  static fromSubprocess(sp: Subprocess, maxPayloadBytes?: number): MboxLink {
    const [fromMbox, toMbox] = sp.fds;
    if (!fromMbox || !toMbox) throw new Error('internal: middlebox spawned without fds 3 and 4');
    return new MboxLink(fromMbox, toMbox, maxPayloadBytes);
  }

  /** Write one frame; false means the pipe is full (backpressure). */
  send(frame: LocalFrame): boolean {
    if (this.output.destroyed || this.output.writableEnded) return false;
    return this.output.write(encodeLocal(frame));
  }

  /**
   * Write an already encoded, already validated frame body (a state or
   * snapshot envelope's bytes) without copying it: its length prefix and the
   * body go out as two buffers, and every frame written while handling one
   * poll phase's I/O leaves in one writev (uncorked in the check phase).
   */
  sendBody(body: Buffer): boolean {
    if (this.output.destroyed || this.output.writableEnded) return false;
    this.corkUntilCheck();
    const head = Buffer.allocUnsafe(LOCAL_LENGTH_BYTES);
    head.writeUInt32BE(body.length, 0);
    this.output.write(head);
    return this.output.write(body);
  }

  private corkUntilCheck(): void {
    if (this.corked) return;
    this.corked = true;
    this.output.cork();
    setImmediate(() => {
      this.corked = false;
      this.output.uncork();
    });
  }

  pause(): void {
    this.userPaused = true;
    this.input.pause();
  }

  /**
   * Stop reading for good, mid-chunk included: the agent on the other end is
   * gone (the controller's model of a crashed host, whose agent dies with it).
   */
  stop(): void {
    this.failed = true;
    this.input.pause();
  }

  resume(): void {
    this.userPaused = false;
    if (!this.coalescing) this.input.resume();
  }

  private onData(chunk: Buffer): void {
    if (this.failed) return;
    // A small read means the middlebox is writing frame by frame: let its frames gather for
    // COALESCE_MS so that one read, one decode turn and one writev downstream serve many.
    if (chunk.length < COALESCE_BELOW_BYTES && !this.coalescing) {
      this.coalescing = true;
      this.input.pause();
      setTimeout(() => {
        this.coalescing = false;
        if (!this.failed && !this.userPaused) this.input.resume();
      }, COALESCE_MS);
    }
    try {
      for (const body of this.reader.push(chunk)) {
        this.emit('frame', decodeLocal(body, this.maxPayloadBytes), body);
        if (this.failed) return;
      }
    } catch (e) {
      this.fail(e instanceof ProtocolError ? e : new ProtocolError('E_MBOX', String(e)));
    }
  }

  private fail(e: ProtocolError): void {
    if (this.failed) return;
    this.failed = true;
    this.input.pause();
    this.emit('error', e);
  }
}
