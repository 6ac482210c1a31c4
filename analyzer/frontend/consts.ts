// Integer constant expressions as C needs them for array sizes, enum values,
// bit-field widths and case labels (best effort: undefined when unknown).
import type { TypeId } from '../ir/types.js';
import { child, namedKids, type Ast } from './ast.js';

export interface ConstEnv {
  text(n: Ast): string;
  enumValue(name: string): number | undefined;
  sizeOfType(typeDescriptor: Ast): number | undefined;
  sizeOfExpr(e: Ast): number | undefined;
  alignOfType(typeDescriptor: Ast): number | undefined;
  offsetOf(typeDescriptor: Ast, member: string): number | undefined;
}

export function parseIntLiteral(text: string): number | undefined {
  const t = text.replace(/[uUlL]+$/, '').replace(/'/g, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return Number.parseInt(t.slice(2), 16);
  if (/^0[bB][01]+$/.test(t)) return Number.parseInt(t.slice(2), 2);
  if (/^0[0-7]+$/.test(t)) return Number.parseInt(t.slice(1), 8);
  if (/^\d+$/.test(t)) return Number.parseInt(t, 10);
  const f = Number.parseFloat(t.replace(/[fFlL]$/, ''));
  return Number.isFinite(f) ? Math.trunc(f) : undefined;
}

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63, e: 27 };

export function parseCharLiteral(text: string): number | undefined {
  const m = /^[LuU8]*'(.*)'$/s.exec(text);
  if (!m) return undefined;
  const body = m[1];
  if (body.length === 1) return body.charCodeAt(0);
  if (body[0] !== '\\') return body.charCodeAt(0);
  if (/^\\x[0-9a-fA-F]+$/.test(body)) return Number.parseInt(body.slice(2), 16) & 0xff;
  if (/^\\[0-7]{1,3}$/.test(body)) return Number.parseInt(body.slice(1), 8);
  return ESCAPES[body[1]];
}

const toI = (v: number): number => (Number.isFinite(v) ? Math.trunc(v) : 0);

export function evalConst(n: Ast | undefined, env: ConstEnv, depth = 0): number | undefined {
  if (!n || depth > 200) return undefined;
  switch (n.type) {
    case 'number_literal':
      return parseIntLiteral(env.text(n));
    case 'char_literal':
      return parseCharLiteral(env.text(n));
    case 'true':
      return 1;
    case 'false':
      return 0;
    case 'identifier':
      return env.enumValue(env.text(n));
    case 'parenthesized_expression':
      return evalConst(namedKids(n)[0], env, depth + 1);
    case 'cast_expression':
      return evalConst(child(n, 'value'), env, depth + 1);
    case 'sizeof_expression': {
      const td = child(n, 'type');
      if (td) return env.sizeOfType(td);
      const v = child(n, 'value');
      return v ? env.sizeOfExpr(v) : undefined;
    }
    case 'offsetof_expression': {
      const td = child(n, 'type');
      const m = child(n, 'member');
      return td && m ? env.offsetOf(td, env.text(m)) : undefined;
    }
    case 'alignof_expression': {
      const td = child(n, 'type');
      return td ? env.alignOfType(td) : undefined;
    }
    case 'unary_expression': {
      const v = evalConst(child(n, 'argument'), env, depth + 1);
      if (v === undefined) return undefined;
      const op = env.text(child(n, 'operator')!);
      if (op === '-') return -v;
      if (op === '+') return v;
      if (op === '!') return v ? 0 : 1;
      if (op === '~') return ~v;
      return undefined;
    }
    case 'binary_expression': {
      const a = evalConst(child(n, 'left'), env, depth + 1);
      const op = env.text(child(n, 'operator')!);
      if (a === undefined) return undefined;
      if (op === '&&' && !a) return 0;
      if (op === '||' && a) return 1;
      const b = evalConst(child(n, 'right'), env, depth + 1);
      if (b === undefined) return undefined;
      switch (op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return b === 0 ? undefined : toI(a / b);
        case '%': return b === 0 ? undefined : a % b;
        case '<<': return b < 31 ? toI(a * 2 ** b) : undefined;
        case '>>': return Math.floor(a / 2 ** b);
        case '&': return a & b;
        case '|': return a | b;
        case '^': return a ^ b;
        case '&&': return a && b ? 1 : 0;
        case '||': return a || b ? 1 : 0;
        case '==': return a === b ? 1 : 0;
        case '!=': return a !== b ? 1 : 0;
        case '<': return a < b ? 1 : 0;
        case '>': return a > b ? 1 : 0;
        case '<=': return a <= b ? 1 : 0;
        case '>=': return a >= b ? 1 : 0;
      }
      return undefined;
    }
    case 'conditional_expression': {
      const c = evalConst(child(n, 'condition'), env, depth + 1);
      if (c === undefined) return undefined;
      return evalConst(child(n, c ? 'consequence' : 'alternative'), env, depth + 1);
    }
  }
  return undefined;
}

export type { TypeId };
