// Allocation wrappers: objects are named by the wrapper's call sites.  @exact @exact-fs
#include <stdlib.h>
#include <string.h>
static void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) abort();
  memset(p, 0, n);
  return p;
}
static void *zalloc(size_t n) { return xmalloc(n); }
int main(void) {
  int *x = xmalloc(sizeof(int)); // ALLOC(wx)
  int *y = xmalloc(sizeof(int)); // ALLOC(wy)
  int *z = zalloc(sizeof(int)); // ALLOC(wz)
  return *x + *y + *z;
}
// PTS(main::x) = {wx}
// PTS(main::y) = {wy}
// PTS(main::z) = {wz}
