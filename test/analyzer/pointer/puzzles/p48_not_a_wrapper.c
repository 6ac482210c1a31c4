// A would-be allocation wrapper that also keeps the block in a global is not a wrapper.  @exact @exact-fs
#include <stdlib.h>
static void *last;
static void *track(size_t n) {
  void *p = malloc(n); // ALLOC(h)
  last = p;
  return p;
}
int main(void) {
  int *x = track(sizeof(int));
  int *y = track(sizeof(int));
  int *z = last;
  return *x + *y + *z;
}
// PTS(main::x) = {h}
// PTS(main::y) = {h}
// PTS(main::z) = {h}
