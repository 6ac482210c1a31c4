// qsort calls the comparator with pointers into the array it sorts.  @exact @exact-fs
#include <stdlib.h>
int a, b;
int *items[2];
static int cmp(const void *l, const void *r) {
  int *const *x = l;
  int *const *y = r;
  return **x - **y;
}
int main(void) {
  items[0] = &a;
  items[1] = &b;
  qsort(items, 2, sizeof items[0], cmp);
  return 0;
}
// PTS(cmp::l) = {items}
// PTS(cmp::r) = {items}
// PTS(cmp::x) = {items}
// PTS(items) = {a, b}
// CALLS(main -> cmp)
