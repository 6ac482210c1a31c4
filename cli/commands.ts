// The subcommands, one module each; each exports `register(program)`.
import type { Command } from 'commander';

export type Register = (program: Command) => void;

export const commands: Register[] = [];
