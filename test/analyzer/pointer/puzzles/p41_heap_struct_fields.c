// A heap object takes the struct layout it is used with; its members stay apart.  @exact-fs
#include <stdlib.h>
struct conn { int *src; int *dst; struct conn *next; };
int a, b;
int main(void) {
  struct conn *c = malloc(sizeof *c); // ALLOC(h)
  c->src = &a;
  c->dst = &b;
  c->next = c;
  int *s = c->next->src;
  int *d = c->dst;
  return *s + *d;
}
// PTS(h.src) = {a}
// PTS(h.dst) = {b}
// PTS(h.next) = {h}
// PTS(main::s) = {a}
// PTS(main::d) = {b}
