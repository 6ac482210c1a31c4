// File-level helpers for the on-path middleboxes' behaviour tests (lb, nat,
// firewall), over the pcap codec and process helpers the shared suite already has.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { readPcap as decodePcap, writePcap as encodePcap } from './helpers.js';

export interface Rec {
  sec: number;
  usec: number;
  data: Buffer;
}

export function writePcap(path: string, recs: Rec[]): void {
  writeFileSync(path, encodePcap(recs));
}

export function readPcap(path: string): Rec[] {
  return decodePcap(readFileSync(path)).packets;
}

/** Runs a middlebox that is expected to fail; its exit status and stderr. */
export function failingRun(bin: string, args: string[], cwd: string): { status: number; stderr: string } {
  try {
    execFileSync(bin, args, { cwd, stdio: 'pipe' });
    return { status: 0, stderr: '' };
  } catch (e) {
    return { status: (e as { status: number }).status, stderr: String((e as { stderr: Buffer }).stderr) };
  }
}
