// The subcommands, one module each; each exports `register(program)`.
import type { Command } from 'commander';
import { register as trace } from './trace.js';
import { register as analyze } from './analyze.js';
import { register as agent } from './agent.js';
import { register as slice } from './slice.js';
import { register as run } from './run.js';
import { register as build } from './build.js';
import { register as demo } from './demo.js';
import { register as experiment } from './experiment.js';

export type Register = (program: Command) => void;

export const commands: Register[] = [analyze, slice, build, trace, run, agent, demo, experiment];
