// The IR's public surface: the types contract, the text printer and the CFG DOT writer.
export * from './types.js';
export { instrToString, printFunction, printProgram, typeToString, varName } from './printer.js';
export { cfgToDot } from './dot.js';
export { validateProgram } from './validate.js';
