// realloc returns a new block holding the old contents, or the old block itself.
#include <stdlib.h>
int a, b;
int main(void) {
  int **v = malloc(2 * sizeof *v); // ALLOC(old)
  v[0] = &a;
  int **w = realloc(v, 4 * sizeof *w); // ALLOC(grown)
  if (!w) return 1;
  w[1] = &b;
  int *x = w[0];
  return *x;
}
// PTS(main::v) = {old}
// PTS(main::w) = {old, grown}
// PTS(old) = {a, b}
// PTS(grown) = {a, b}
// PTS(main::x) = {a}
