// memcpy into a fresh heap block gives it the source's layout; into another struct layout, every member may get every pointer.
#include <stdlib.h>
#include <string.h>
struct pair { int *x; int *y; };
struct triple { int *u; int *v; int *w; };
int a, b, c;
int main(void) {
  struct pair s;
  s.x = &a;
  s.y = &b;
  struct pair *h = malloc(sizeof s); // ALLOC(h)
  if (!h) return 1;
  memcpy(h, &s, sizeof s);
  int *hx = h->x;
  struct triple t;
  t.w = &c;
  memcpy(&t, &s, sizeof s);
  int *tu = t.u;
  int *tv = t.v;
  int *tw = t.w;
  return *hx + *tu + *tv + *tw;
}
// PTS(h.x) = {a}
// PTS(h.y) = {b}
// PTS(main::hx) = {a}
// PTS(main::tu) = {a}
// PTS(main::tv) = {b}
// PTS(main::tw) = {c}
