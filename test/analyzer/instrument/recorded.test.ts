// Pruning of slot recordings: a later subscript is left unrecorded only when an earlier
// recorded one surely noted the same element in the same packet.
import { describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { redundantRecordings } from '../../../analyzer/instrument/recorded.js';
import { analyzePointers } from '../../../analyzer/pointer/index.js';

const CODE = `
struct conn { int key; struct conn *next; };
char *queue[100];
int tail, other;
struct conn **tab;
void touch(void);

char *dequeue(void) {              /* line 8 */
  int *index = &tail;
  char *pkt = queue[*index];       /* 10: kept */
  queue[*index] = 0;               /* 11: implied by 10 */
  return pkt;
}
void insert(struct conn *c, int h) {
  c->next = tab[h];                /* 15: kept */
  tab[h] = c;                      /* 16: implied (c->next is not a leaf) */
}
void moved(int h) {
  queue[h] = 0;                    /* 19: kept */
  h = h + 1;
  queue[h] = 0;                    /* 21: kept (h changed) */
}
void through(int *p) {
  queue[*p] = 0;                   /* 24: kept */
  *p = 3;
  queue[*p] = 0;                   /* 26: kept (*p written) */
}
void called(int h) {
  queue[h] = 0;                    /* 29: kept */
  touch();
  queue[h] = 0;                    /* 31: kept (a call may end the packet) */
}
void branch(int h, int c) {
  if (c) queue[h] = 0;             /* 34: kept */
  queue[h] = 0;                    /* 35: kept (34 does not dominate it) */
  if (c) queue[h] = 0;             /* 36: implied by 35 */
}
void loop(int n) {
  for (int i = 0; i < n; i++) {
    queue[tail] = 0;               /* 40: kept */
    tail = tail + 1;
  }
}
void retabled(int h, struct conn **t2) {
  struct conn *c = tab[h];         /* 45: kept */
  tab = t2;
  tab[h] = c;                      /* 47: kept (tab reassigned) */
}
void callers(void) { static struct conn x; insert(&x, 1); through(&other); }
`;

function sitesOf(code: string) {
  const program = loadProgramFromSource(code, 'rec.c');
  const pts = analyzePointers(program);
  const geps = program.instrs.filter((i) => i.kind === 'gep' && i.index !== undefined && i.index.kind === 'var');
  return { program, pts, geps };
}

describe('redundantRecordings', () => {
  it('prunes exactly the subscripts an earlier recorded one implies', () => {
    const { program, pts, geps } = sitesOf(CODE);
    const pruned = redundantRecordings(program, pts, geps.map((g) => g.id));
    const lines = (ids: Iterable<number>) => [...new Set([...ids].map((id) => program.instrs[id].loc.line))].sort((a, b) => a - b);
    expect(lines(pruned)).toEqual([11, 16, 36]);
    expect(lines(geps.map((g) => g.id).filter((id) => !pruned.has(id)))).toEqual([10, 15, 19, 21, 24, 26, 29, 31, 34, 35, 40, 45, 47]);
  });

  it('a store through a pointer the analysis knows nothing of kills, as does a load of one', () => {
    // without callers, insert's c and through's p point nowhere known: nothing is pruned there
    const code = CODE.replace(/void callers.*\n/, '');
    const { program, pts, geps } = sitesOf(code);
    const pruned = redundantRecordings(program, pts, geps.map((g) => g.id));
    expect([...new Set([...pruned].map((id) => program.instrs[id].loc.line))].sort((a, b) => a - b)).toEqual([11, 36]);
  });

  it('an unrecorded earlier subscript implies nothing', () => {
    const { program, pts, geps } = sitesOf(CODE);
    // only the later site of dequeue is a recording site: it must stay
    const later = geps.filter((g) => g.loc.line === 11).map((g) => g.id);
    expect(redundantRecordings(program, pts, later).size).toBe(0);
  });
});
