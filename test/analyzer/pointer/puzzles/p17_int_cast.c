// A pointer cast to an integer and back is still tracked.  @exact @exact-fs
#include <stdint.h>
int a;
uintptr_t saved;
int main(void) {
  uintptr_t i = (uintptr_t)&a;
  saved = i ^ 0;
  int *p = (int *)saved;
  long l = (long)p;
  int *q = (int *)(l + 0);
  return *p + *q;
}
// PTS(main::p) = {a}
// PTS(main::q) = {a}
// PTS(saved) = {a}
