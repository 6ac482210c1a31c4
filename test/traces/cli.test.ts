// `statelab trace info|gen` through the CLI entry: JSON and table output, exit 2
// with a one-line reason naming file and byte on corrupt input, gen options.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/helpers.js';
import { readManifest } from '../../traces/index.js';

const dir = mkdtempSync(join(tmpdir(), 'statelab-cli-trace-'));

describe('statelab trace info', () => {
  const manifest = new Map(readManifest('traces/MANIFEST').map((e) => [e.file, e]));

  it('prints JSON with the documented fields', async () => {
    const { code, out } = await runCli(['trace', 'info', 'traces/scan.pcap', '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(j.packets).toBe(manifest.get('scan.pcap')!.packets);
    expect(j.format).toBe('pcap');
    expect(j.linkTypes).toEqual([{ linkType: 1, name: 'EN10MB', packets: j.packets }]);
    for (const k of ['capturedBytes', 'wireBytes', 'durationSec', 'firstTimestamp', 'lastTimestamp', 'flows', 'network', 'transport', 'vlanPackets', 'mplsPackets', 'nonMonotonicTimestamps', 'malformedPackets']) expect(j, k).toHaveProperty(k);
    expect(j.firstTimestamp).toMatch(/^1700000000\.\d{6}$/);
    expect(j.flows.tcp).toBeGreaterThan(100); // the scan probes ≥ 60 ports per scan
  });

  it('prints a table for people', async () => {
    const { code, out } = await runCli(['trace', 'info', 'traces/malformed.pcap']);
    expect(code).toBe(0);
    expect(out).toMatch(/^packets\s+742$/m);
    expect(out).toMatch(/^encapsulation\s+vlan 9, mpls 6/m);
    expect(out).toMatch(/^malformed\s+\d+ packets$/m);
  });

  it('reads pcapng', async () => {
    const { code, out } = await runCli(['trace', 'info', 'traces/small-mixed.pcapng', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ format: 'pcapng', packets: manifest.get('small-mixed.pcapng')!.packets });
  });

  it('exits 2 naming file and byte on a corrupt trace', async () => {
    const b = Buffer.from(readFileSync('traces/scan.pcap'));
    b.writeUInt32LE(70000, 24 + 8);
    const f = join(dir, 'corrupt.pcap');
    writeFileSync(f, b);
    const { code, err } = await runCli(['trace', 'info', f]);
    expect(code).toBe(2);
    expect(err).toBe(`statelab: ${f} (byte 24): record 0 claims caplen 70000 > snaplen 65535\n`);
  });

  it('warns about, and skips, a truncated final record; --strict makes it exit 2', async () => {
    const b = readFileSync('traces/scan.pcap');
    const f = join(dir, 'cut.pcap');
    writeFileSync(f, b.subarray(0, b.length - 10));
    const loose = await runCli(['trace', 'info', f, '--json']);
    expect(loose.code).toBe(0);
    expect(JSON.parse(loose.out).packets).toBe(manifest.get('scan.pcap')!.packets - 1);
    expect(loose.err).toMatch(/warning: truncated final record data.*record skipped/);
    const strict = await runCli(['trace', 'info', f, '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.err).toMatch(/^statelab: .*cut\.pcap \(byte \d+\): truncated final record data/);
  });

  it('exits 2 on a missing file and on a non-trace', async () => {
    expect((await runCli(['trace', 'info', join(dir, 'nope.pcap')])).code).toBe(2);
    const f = join(dir, 'text.pcap');
    writeFileSync(f, 'hello world, this is not a trace\n');
    const r = await runCli(['trace', 'info', f]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad magic 0x68656c6c/);
  });
});

describe('statelab trace gen', () => {
  it('writes pcap or pcapng by extension, deterministically', async () => {
    const a = join(dir, 'a.pcap');
    const b = join(dir, 'b.pcapng');
    expect((await runCli(['trace', 'gen', '--flows', '12', '--seed', '9', '--out', a])).code).toBe(0);
    expect((await runCli(['trace', 'gen', '--flows', '12', '--seed', '9', '--out', b])).code).toBe(0);
    const ia = JSON.parse((await runCli(['trace', 'info', a, '--json'])).out);
    const ib = JSON.parse((await runCli(['trace', 'info', b, '--json'])).out);
    expect(ib.format).toBe('pcapng');
    expect([ib.packets, ib.flows, ib.capturedBytes]).toEqual([ia.packets, ia.flows, ia.capturedBytes]);
  });

  it('exits 2 on bad options', async () => {
    for (const argv of [
      ['--mix', 'tcp=1,bogus=2'],
      ['--flows', '-3'],
      ['--seed', 'abc'],
      ['--snaplen', '10'],
    ]) {
      const r = await runCli(['trace', 'gen', ...argv, '--out', join(dir, 'x.pcap')]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/^statelab: /);
    }
    expect((await runCli(['trace', 'gen', '--out', join(dir, 'no/such/dir/x.pcap')])).code).toBe(2);
  });
});
