// Injection and capture on the harness end of a data link with cap (libpcap):
// `Injector` sends trace frames one by one; `OutputCapture` copies what the
// middlebox sends back, inbound only, and checks it against the link counters.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StatelabError } from '../errors.js';

// cap ships no type declarations: load it through require, typed by what we use.
const require = createRequire(import.meta.url);
const { Cap } = require('cap') as { Cap: new () => CapHandle };

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  send(buffer: Buffer, size?: number): void;
  close(): void;
  on(ev: 'packet', f: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(): void;
}

/** Kernel packet counter of an interface in this (the root) namespace. */
export function linkCounter(ifname: string, which: 'rx_packets' | 'tx_packets'): number {
  return Number(readFileSync(`/sys/class/net/${ifname}/statistics/${which}`, 'utf8').trim());
}

/**
 * Closed handles are kept for the life of the process: cap 0.2.1 on Linux stops
 * its uv_poll handle on close() but never uv_close()s it, so when the garbage
 * collector frees a closed Cap the handle left in libuv's loop queue points
 * into freed memory and the process segfaults at a later loop turn (seen on the
 * second live run in one process). A few hundred bytes per handle, a handful per run.
 */
const retired: CapHandle[] = [];

function closeCap(c: CapHandle): void {
  c.removeAllListeners();
  c.close();
  retired.push(c);
}

function openCap(ifname: string, filter: string, bufBytes: number, buf: Buffer): CapHandle {
  const c = new Cap();
  try {
    const linkType = c.open(ifname, filter, bufBytes, buf);
    if (linkType !== 'ETHERNET') throw new Error(`link type ${linkType}, not Ethernet`);
  } catch (e) {
    closeCap(c);
    throw new StatelabError('E_PROCESS', `cannot open ${ifname} with cap: ${(e as Error).message}`);
  }
  return c;
}

export class Injector {
  private readonly cap: CapHandle;
  /** cap keeps a raw pointer to this buffer: it must live as long as the handle. */
  private readonly buf = Buffer.alloc(65536);
  sent = 0;

  constructor(readonly ifname: string) {
    // Nothing comes back on an input link (IPv6 is off); `less 1` keeps the capture side empty anyway.
    this.cap = openCap(ifname, 'less 1', 1 << 16, this.buf);
  }

  send(frame: Buffer, index: number): void {
    try {
      this.cap.send(frame, frame.length);
    } catch (e) {
      throw new StatelabError('E_PROCESS', `cannot inject packet ${index} (${frame.length} bytes) on ${this.ifname}: ${(e as Error).message}`);
    }
    this.sent++;
  }

  close(): void {
    closeCap(this.cap);
  }
}

export class OutputCapture {
  private readonly cap: CapHandle;
  private readonly buf = Buffer.alloc(65536);
  readonly packets: Buffer[] = [];
  truncated = 0;
  /** The link's receive counter when capture began: what the middlebox sent is counted from here. */
  private readonly base: number;

  constructor(readonly ifname: string) {
    this.base = linkCounter(ifname, 'rx_packets');
    // No filter: the harness end has no address and IPv6 off, so nothing but the middlebox's packets
    // crosses this link (settle() checks the count against the link counter). libpcap 1.10's `inbound`
    // filter lost the first packet of every capture here, so it is not used.
    this.cap = openCap(ifname, '', 8 << 20, this.buf);
    this.cap.on('packet', (n: number, truncated: boolean) => {
      if (truncated) this.truncated++;
      this.packets.push(Buffer.from(this.buf.subarray(0, n)));
    });
  }

  /** Packets the middlebox's end has sent on the link since capture began (veth counts synchronously at send). */
  sentByMbox(): number {
    return linkCounter(this.ifname, 'rx_packets') - this.base;
  }

  /** Wait until capture has caught up with the counter; resolves to sent − captured (0 in a sound run; negative: something else sent on the link). */
  async settle(timeoutMs = 2_000): Promise<number> {
    const end = performance.now() + timeoutMs;
    while (this.packets.length < this.sentByMbox() && performance.now() < end) await new Promise((r) => setTimeout(r, 2));
    return this.sentByMbox() - this.packets.length;
  }

  close(): void {
    closeCap(this.cap);
  }
}
