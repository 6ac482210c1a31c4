// bsearch calls the comparator with the key and array elements and returns an element.  @exact @exact-fs
#include <stdlib.h>
struct entry { int key; int *val; };
int a, b;
struct entry table[2];
static int cmp(const void *k, const void *e) {
  const int *key = k;
  const struct entry *en = e;
  return *key - en->key;
}
int main(void) {
  table[0].key = 1; table[0].val = &a;
  table[1].key = 2; table[1].val = &b;
  int want = 2;
  struct entry *hit = bsearch(&want, table, 2, sizeof table[0], cmp);
  return hit ? *hit->val : 0;
}
// PTS(cmp::k) = {main::want}
// PTS(cmp::e) = {table}
// PTS(main::hit) = {table}
// PTS(table.val) = {a, b}
// CALLS(main -> cmp)
