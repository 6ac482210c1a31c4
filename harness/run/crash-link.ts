// A TCP relay between the primary agent and the standby agent that can go
// silent at once: the controller's model of the primary *host* dying. After
// `crash()` no byte passes in either direction and no new connection is
// accepted, so the standby learns of the failure only from missed heartbeats
// (a dead host sends no FIN or RST), exactly as across a real network.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class CrashLink {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private dead = false;

  /** Listen on `host`:any and relay each connection to `host`:`targetPort`; resolves to the relay's port. */
  listen(host: string, targetPort: number): Promise<number> {
    const server = createServer((inbound) => this.relay(inbound, host, targetPort));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
    });
  }

  private relay(inbound: Socket, host: string, port: number): void {
    if (this.dead) {
      inbound.destroy();
      return;
    }
    const outbound = connect(port, host);
    inbound.setNoDelay(true);
    outbound.setNoDelay(true);
    for (const [from, to] of [
      [inbound, outbound],
      [outbound, inbound],
    ] as const) {
      this.sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        if (this.dead) return; // the host is gone: its bytes vanish
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
      from.on('end', () => {
        if (!this.dead) to.end();
      });
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        if (!this.dead) to.destroy();
      });
    }
  }

  /** The primary host dies: silence both ways, refuse new connections. */
  crash(): void {
    this.dead = true;
    this.server?.close();
    for (const s of this.sockets) s.resume();
  }

  /** Tear everything down (end of run). */
  close(): void {
    this.dead = true;
    this.server?.close();
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}
