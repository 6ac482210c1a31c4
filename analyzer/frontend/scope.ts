// Symbol tables: nested scopes of ordinary identifiers (variables, functions,
// typedefs, enum constants) and of struct/union/enum tags, as C scopes them.
import type { TypeId, VarId } from '../ir/types.js';

export type Sym =
  | { kind: 'var'; var: VarId }
  /** A function; `key` is the (provisional, for statics) Func key calls use. */
  | { kind: 'func'; name: string; key: string; type: TypeId; isStatic: boolean }
  | { kind: 'typedef'; type: TypeId }
  | { kind: 'enumconst'; value: number; type: TypeId }
  /** A header declaration made into a symbol only when the program uses it. */
  | { kind: 'lazy'; resolve: () => Sym };

export class Scope {
  readonly syms = new Map<string, Sym>();
  readonly tags = new Map<string, TypeId>();

  constructor(readonly parent?: Scope) {}

  lookup(name: string): Sym | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const sym = s.syms.get(name);
      if (sym !== undefined) {
        if (sym.kind !== 'lazy') return sym;
        const real = sym.resolve();
        s.syms.set(name, real);
        return real;
      }
    }
    return undefined;
  }

  lookupTag(name: string): TypeId | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const t = s.tags.get(name);
      if (t !== undefined) return t;
    }
    return undefined;
  }

  isTypedefName(name: string): boolean {
    return this.lookup(name)?.kind === 'typedef';
  }
}
