// Union members share storage: a pointer written as one member is read as another.  @exact-fs
#include <stdint.h>
int a, b;
union u { int *p; uintptr_t bits; int **pp; };
struct tagged { int kind; union u val; int *other; };
int main(void) {
  struct tagged t;
  t.val.p = &a;
  t.other = &b;
  uintptr_t raw = t.val.bits;
  int *back = (int *)raw;
  return *back + *t.other;
}
// PTS(main::t.val) = {a}
// PTS(main::t.other) = {b}
// PTS(main::back) = {a}
