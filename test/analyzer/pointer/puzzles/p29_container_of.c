// container_of: from a member back to its enclosing struct with char * arithmetic.
#include <stddef.h>
int a;
struct link { struct link *next; };
struct item { int *data; struct link l; };
#define container_of(p, T, m) ((T *)((char *)(p) - offsetof(T, m)))
int main(void) {
  struct item it;
  it.data = &a;
  it.l.next = 0;
  struct link *lp = &it.l;
  struct item *back = container_of(lp, struct item, l);
  int *x = back->data;
  return *x;
}
// PTS(main::lp) = {main::it.l}
// PTS(main::back) = {main::it}
// PTS(main::x) = {a}
