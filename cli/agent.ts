// `statelab agent`: run one primary or standby agent alone (so a pair can sit
// on two hosts), optionally supervising its middlebox command on fds 3 and 4.
import { fstatSync, readFileSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { Option, type Command } from 'commander';
import { PrimaryAgent, StandbyAgent, MboxLink, type AgentLogEvent } from '../harness/agent/index.js';
import { startProcess, type Subprocess } from '../harness/process/index.js';
import { MIN_KEY_BYTES, MODELS, type Model } from '../harness/protocol/index.js';
import { inputError, usageError } from '../harness/errors.js';

interface AgentCliOptions {
  role: 'primary' | 'standby';
  listen?: string;
  connect?: string;
  host: string;
  keyFile?: string;
  model: Model;
  heartbeatMs: string;
  missLimit: string;
  maxPayloadBytes: string;
  maxFps: string;
  ackTimeoutMs: string;
  takeoverOnDead?: boolean;
  jsonLog?: boolean;
}

const KEY_ENV = 'STATELAB_AGENT_KEY';

function intOption(name: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw usageError(`${name} must be an integer in ${min}..${max}, got "${v}"`);
  return Number(v);
}

/** The key: the key file's bytes (one trailing newline dropped), else $STATELAB_AGENT_KEY. */
export function loadKey(keyFile: string | undefined, env: NodeJS.ProcessEnv = process.env): { key: Buffer; warning?: string } {
  let key: Buffer;
  let warning: string | undefined;
  if (keyFile !== undefined) {
    try {
      key = readFileSync(keyFile);
      if ((statSync(keyFile).mode & 0o077) !== 0) warning = `key file ${keyFile} is readable by group or others`;
    } catch (e) {
      throw inputError(`cannot read key file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: keyFile });
    }
    if (key.length > 0 && key[key.length - 1] === 0x0a) key = key.subarray(0, key.length - 1);
    if (key.length < MIN_KEY_BYTES) throw inputError(`key is ${key.length} bytes, at least ${MIN_KEY_BYTES} needed`, { file: keyFile });
  } else if (env[KEY_ENV] !== undefined) {
    key = Buffer.from(env[KEY_ENV]!, 'utf8');
    if (key.length < MIN_KEY_BYTES) throw usageError(`$${KEY_ENV} is ${key.length} bytes, at least ${MIN_KEY_BYTES} needed`);
  } else {
    throw usageError(`no key: give --key-file <f> or set $${KEY_ENV}`);
  }
  return warning === undefined ? { key } : { key, warning };
}

function formatLog(role: string, e: AgentLogEvent, json: boolean): string {
  if (json) return JSON.stringify({ time: new Date().toISOString(), role, ...e }) + '\n';
  return `statelab agent[${role}] ${e.level}${e.conn > 0 ? ` conn ${e.conn}` : ''} ${e.event}${e.detail ? `: ${e.detail}` : ''}\n`;
}

function fdIsOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

async function runAgent(opts: AgentCliOptions, command: string[]): Promise<number> {
  if ((opts.listen === undefined) === (opts.connect === undefined)) throw usageError('give exactly one of --listen <port> or --connect <url>');
  const { key, warning } = loadKey(opts.keyFile);
  const role = opts.role;
  const log = (e: AgentLogEvent): void => void process.stderr.write(formatLog(role, e, opts.jsonLog === true));
  if (warning) log({ level: 'warn', conn: 0, event: 'key', detail: warning });
  const maxPayloadBytes = intOption('--max-payload-bytes', opts.maxPayloadBytes, 1, 1024 * 1024 * 1024);

  let mbox: Subprocess | null = null;
  let link: MboxLink;
  if (command.length > 0) {
    // The middlebox reads its trace on our stdin and writes its output on our stdout.
    mbox = startProcess(command, { stdin: 'inherit', stdout: 'inherit', extraFds: 2 });
    if (mbox.pid === null) throw usageError(`middlebox did not start: ${(await mbox.done).error ?? command[0]}`);
    mbox.stderrStream?.pipe(process.stderr, { end: false });
    link = MboxLink.fromSubprocess(mbox, maxPayloadBytes);
  } else {
    if (!fdIsOpen(3) || !fdIsOpen(4)) throw usageError('no middlebox command and fds 3/4 are not open: give -- <command...> or run under a supervisor that passes them');
    link = new MboxLink(new Socket({ fd: 3, readable: true, writable: false }), new Socket({ fd: 4, readable: false, writable: true }), maxPayloadBytes);
  }

  const agentOptions = {
    key,
    model: opts.model,
    heartbeatMs: intOption('--heartbeat-ms', opts.heartbeatMs, 1, 60_000),
    missLimit: intOption('--miss-limit', opts.missLimit, 1, 1_000),
    maxPayloadBytes,
    maxFramesPerSecond: intOption('--max-fps', opts.maxFps, 1, 10_000_000),
    ackTimeoutMs: intOption('--ack-timeout-ms', opts.ackTimeoutMs, 1, 3_600_000),
    log,
  };
  const agent = role === 'primary' ? new PrimaryAgent(link, agentOptions) : new StandbyAgent(link, agentOptions);

  const finished = new Promise<number>((resolve) => {
    const stop = (sig: NodeJS.Signals): void => {
      log({ level: 'info', conn: 0, event: 'signal', detail: sig });
      void shutdown(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let ending = false;
    const shutdown = async (code: number): Promise<void> => {
      if (ending) return;
      ending = true;
      await agent.close('agent stopping');
      if (mbox) await mbox.terminate();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(code);
    };
    agent.on('mbox-error', (e) => {
      if (ending) return; // we are stopping the middlebox ourselves
      process.stderr.write(`statelab: middlebox link: ${e.message}\n`);
      void shutdown(2);
    });
    if (agent instanceof StandbyAgent && opts.takeoverOnDead) {
      agent.on('peer-dead', () => {
        if (!agent.isLive) void agent.takeover();
      });
    }
    void mbox?.done.then(async (r) => {
      if (ending) return; // we stopped it ourselves
      log({ level: r.exitCode === 0 ? 'info' : 'error', conn: 0, event: 'middlebox-exit', detail: `${r.reason}${r.exitCode !== null ? ` status ${r.exitCode}` : ''}${r.signal ? ` ${r.signal}` : ''}` });
      if (agent instanceof PrimaryAgent) {
        // Give the standby a moment to acknowledge what was already sent, so output up to it can commit.
        const end = Date.now() + 2_000;
        while (agent.lastAckedSeq < agent.lastSentSeq && Date.now() < end) await new Promise((res) => setTimeout(res, 10));
      }
      if (r.exitCode !== 0) process.stderr.write(`statelab: middlebox ${r.reason === 'spawn-error' ? `did not start: ${r.error}` : `ended: ${r.reason}${r.exitCode !== null ? ` status ${r.exitCode}` : ''}${r.signal ? ` ${r.signal}` : ''}`}\n`);
      void shutdown(r.exitCode === 0 ? 0 : 1);
    });
  });

  if (opts.listen !== undefined) {
    const port = intOption('--listen', opts.listen, 0, 65_535);
    try {
      const bound = await agent.listen(port, opts.host);
      log({ level: 'info', conn: 0, event: 'listening', detail: `ws://${opts.host}:${bound}` });
    } catch (e) {
      await agent.close();
      if (mbox) await mbox.terminate();
      throw usageError(`cannot listen on ${opts.host}:${port}: ${(e as Error).message}`);
    }
  } else {
    if (!/^wss?:\/\//.test(opts.connect!)) throw usageError(`--connect needs a ws:// or wss:// URL, got "${opts.connect}"`);
    agent.connect(opts.connect!);
  }
  return finished;
}

export function register(program: Command): void {
  program
    .command('agent')
    .description(
      'run one primary or standby agent: exchange state frames with a peer agent over an authenticated WebSocket, ' +
        'and with the middlebox over fds 3 (from it) and 4 (to it); see harness/protocol/README.md',
    )
    .addOption(new Option('--role <role>', 'which side this agent is').choices(['primary', 'standby']).makeOptionMandatory())
    .option('--listen <port>', 'accept the peer on this TCP port (0: any; the bound port is logged)')
    .option('--connect <url>', 'connect to a listening peer at ws://host:port (reconnects when the session ends)')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--key-file <f>', `shared HMAC key file (at least ${MIN_KEY_BYTES} bytes); else $${KEY_ENV}`)
    .addOption(new Option('--model <m>', 'transfer model, must match the peer').choices([...MODELS]).default('all'))
    .option('--heartbeat-ms <n>', 'primary: heartbeat interval; standby: expected interval', '10')
    .option('--miss-limit <n>', 'standby: heartbeat intervals of silence before the peer is dead', '3')
    .option('--max-payload-bytes <n>', 'largest state payload accepted', String(64 * 1024 * 1024))
    .option('--max-fps <n>', 'frames per second a peer may send', '200000')
    .option('--ack-timeout-ms <n>', 'primary: drop a standby that acknowledges nothing new for this long', '1000')
    .option('--takeover-on-dead', 'standby: make the middlebox go live when the primary is declared dead')
    .option('--json-log', 'log one JSON object per line on stderr')
    .argument('[command...]', 'middlebox command (after --); without it, fds 3 and 4 of this process are used')
    .action(async (command: string[], opts: AgentCliOptions) => {
      process.exitCode = await runAgent(opts, command);
    });
}
