// Runs the system C preprocessor over one translation unit and maps every line
// of its output back to the original file:line through the line markers.
import { spawnSync } from 'node:child_process';
import { StatelabError } from '../errors.js';
import { normalizeGnu } from './normalize.js';

export interface CompileUnit {
  /** Absolute path of the .c file. */
  file: string;
  /** Preprocessor-relevant flags (-I, -D, -U, -include, -std, ...). */
  flags: string[];
  /** Working directory the flags are relative to. */
  cwd: string;
}

export interface Preprocessed {
  unit: CompileUnit;
  /** Preprocessed text with the line markers blanked out (line count unchanged). */
  text: string;
  /** Original files named by line markers; index 0 is unused. */
  files: { path: string; system: boolean }[];
  /** Per preprocessed line (0-based): index into `files` and original 1-based line. */
  lineFile: Int32Array;
  lineNo: Int32Array;
  /** UTF-16 offset of each preprocessed line's start. */
  lineStart: Int32Array;
  /** Index in `files` of the unit's own file. */
  mainFile: number;
}

/** Flags that take a separate argument and matter to preprocessing. */
const PP_WITH_ARG = new Set(['-I', '-D', '-U', '-include', '-imacros', '-isystem', '-iquote', '-idirafter']);
/** Flags that take a separate argument and don't matter (dropped with it). */
const OTHER_WITH_ARG = new Set(['-o', '-MF', '-MT', '-MQ', '-x', '-Xlinker', '-L', '-l']);

/** Keeps the flags of a compile command that affect preprocessing; drops -O* (glibc inlines under __OPTIMIZE__). */
export function preprocessorFlags(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (PP_WITH_ARG.has(a)) {
      if (i + 1 < args.length) out.push(a, args[++i]);
    } else if (OTHER_WITH_ARG.has(a)) {
      i++;
    } else if (/^-(I|D|U|isystem|iquote|idirafter)./.test(a) || /^-std=/.test(a) || /^-m/.test(a) || a === '-pthread' || /^-f(no-)?(signed|unsigned)-char$/.test(a) || /^-ansi$/.test(a)) {
      out.push(a);
    } else if (/^-include./.test(a)) {
      out.push(a);
    }
  }
  return out;
}

export function preprocess(unit: CompileUnit, cc: string): Preprocessed {
  const args = ['-E', '-O0', ...unit.flags, unit.file];
  const r = spawnSync(cc, args, { cwd: unit.cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) {
    throw new StatelabError('E_PREPROCESS', `cannot run the preprocessor '${cc}': ${r.error.message}`, {
      place: { file: unit.file },
    });
  }
  if (r.status !== 0) {
    const msg = (r.stderr || '').trim();
    const m = /^([^:\n]+):(\d+):(?:(\d+):)?\s*(?:fatal )?error:\s*(.*)$/m.exec(msg);
    const place = m ? { file: m[1], line: Number(m[2]), column: m[3] ? Number(m[3]) : undefined } : { file: unit.file };
    const first = m ? m[4] : msg.split('\n')[0] || `exit status ${r.status}`;
    throw new StatelabError('E_PREPROCESS', `preprocessing failed: ${first}${msg ? `\n${msg}` : ''}`, { place });
  }
  return mapLines(unit, r.stdout);
}

/** Blanks line markers (`# 12 "file.h" 3`) and records, for every line, its original file and line. */
export function mapLines(unit: CompileUnit, out: string): Preprocessed {
  const lines = out.split('\n');
  const n = lines.length;
  const lineFile = new Int32Array(n);
  const lineNo = new Int32Array(n);
  const lineStart = new Int32Array(n);
  const files: { path: string; system: boolean }[] = [{ path: '<unknown>', system: false }];
  const fileIndex = new Map<string, number>();
  let curFile = 0;
  let curLine = 1;
  let offset = 0;
  let mainFile = -1;
  for (let i = 0; i < n; i++) {
    const l = lines[i];
    lineStart[i] = offset;
    offset += l.length + 1;
    if (l.charCodeAt(0) === 35 /* # */) {
      const m = /^# (\d+) "((?:[^"\\]|\\.)*)"(.*)$/.exec(l);
      if (m) {
        const path = m[2].replace(/\\(.)/g, '$1');
        const system = / 3\b/.test(m[3]);
        let fi = fileIndex.get(path);
        if (fi === undefined) {
          fi = files.length;
          files.push({ path, system });
          fileIndex.set(path, fi);
        }
        if (mainFile < 0 && !path.startsWith('<')) mainFile = fi;
        curFile = fi;
        curLine = Number(m[1]);
        lines[i] = '';
        lineFile[i] = curFile;
        lineNo[i] = curLine;
        continue;
      }
    }
    lineFile[i] = curFile;
    lineNo[i] = curLine;
    curLine++;
  }
  let text = normalizeGnu(lines.join('\n'));
  // Offsets are computed on the final text (markers blanked, GNU spellings rewritten).
  let off = 0;
  let row = 0;
  lineStart[0] = 0;
  for (let i = text.indexOf('\n'); i >= 0 && row + 1 < n; i = text.indexOf('\n', i + 1)) lineStart[++row] = i + 1;
  if (row + 1 !== n) {
    // The rewrite must never change the line count; if it did, parse the text as cc wrote it.
    text = lines.join('\n');
    for (let i = 0; i < n; i++) {
      lineStart[i] = off;
      off += lines[i].length + 1;
    }
  }
  return { unit, text, files, lineFile, lineNo, lineStart, mainFile: mainFile < 0 ? 0 : mainFile };
}
