// C type questions the pointer analysis asks: what aggregate an object has, whether two
// struct types are the same layout (TUs may each declare it), and which fields it holds.
import type { CType, Program, TypeId } from '../ir/types.js';

/** Strip typedefs (and, when `arrays`, array layers: arrays are collapsed into their element). */
export function strip(types: readonly CType[], t: TypeId | undefined, arrays: boolean): TypeId | undefined {
  let id = t;
  for (let guard = 0; id !== undefined && guard < 64; guard++) {
    const ty = types[id];
    if (ty === undefined) return undefined;
    if (ty.kind === 'typedef') id = ty.to;
    else if (arrays && ty.kind === 'array') id = ty.of;
    else return id;
  }
  return id;
}

export function typeAt(program: Program, t: TypeId | undefined): CType | undefined {
  return t === undefined ? undefined : program.types[t];
}

export function isStruct(program: Program, t: TypeId | undefined): boolean {
  const ty = typeAt(program, strip(program.types, t, false));
  return ty !== undefined && ty.kind === 'struct' && ty.complete && ty.fields.length > 0;
}

export function isUnion(program: Program, t: TypeId | undefined): boolean {
  const ty = typeAt(program, strip(program.types, t, false));
  return ty !== undefined && ty.kind === 'union';
}

export function isArray(program: Program, t: TypeId | undefined): boolean {
  const ty = typeAt(program, strip(program.types, t, false));
  return ty !== undefined && ty.kind === 'array';
}

/**
 * Indexing inside this storage stays inside it: an array, or a union with an array among
 * its members (at any depth). A union is one location, so `u.raw[i]` (and `in6.s6_addr[i]`,
 * glibc's union inside struct in6_addr) is arithmetic on the union object itself.
 */
export function isArrayLike(program: Program, t: TypeId | undefined): boolean {
  if (isArray(program, t)) return true;
  return isUnion(program, t) && holdsArray(program, t, 0);
}

function holdsArray(program: Program, t: TypeId | undefined, depth: number): boolean {
  const ty = typeAt(program, strip(program.types, t, false));
  if (!ty || depth > 8) return false;
  if (ty.kind === 'array') return true;
  if (ty.kind !== 'struct' && ty.kind !== 'union') return false;
  return ty.fields.some((f) => holdsArray(program, f.type, depth + 1));
}

/**
 * Same aggregate layout: the same type id, or two complete structs/unions with the
 * same tag and the same member names (one struct declared in several translation units).
 */
export function sameAggregate(program: Program, a: TypeId | undefined, b: TypeId | undefined): boolean {
  const x = strip(program.types, a, true);
  const y = strip(program.types, b, true);
  if (x === undefined || y === undefined) return false;
  if (x === y) return true;
  const tx = program.types[x];
  const ty = program.types[y];
  if (!tx || !ty || (tx.kind !== 'struct' && tx.kind !== 'union') || tx.kind !== ty.kind) return false;
  if (tx.tag === undefined || tx.tag !== ty.tag || tx.fields.length !== ty.fields.length) return false;
  return tx.fields.every((f, i) => f.name === ty.fields[i]!.name);
}

/** A pointer-sized or wider integer/pointer value can carry an address; comparisons cannot. */
const BOOLEAN_OPS = new Set(['==', '!=', '<', '>', '<=', '>=', '!', '&&', '||']);
export function opMayCarryPointer(op: string): boolean {
  return !BOOLEAN_OPS.has(op);
}
