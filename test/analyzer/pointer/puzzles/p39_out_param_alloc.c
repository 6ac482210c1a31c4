// Allocation through an out-parameter.  @exact @exact-fs
#include <stdlib.h>
static int make(int **out) {
  *out = malloc(sizeof **out); // ALLOC(h)
  return *out != 0;
}
int main(void) {
  int *p = 0;
  int *q = 0;
  make(&p);
  make(&q);
  return *p + *q;
}
// PTS(main::p) = {h}
// PTS(main::q) = {h}
// PTS(make::out) = {main::p, main::q}
