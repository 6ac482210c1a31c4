// memcpy moves the pointers stored in one array into another.
#include <string.h>
int a, b;
int main(void) {
  int *src[2] = { &a, &b };
  int *dst[2];
  int *lone = 0;
  memcpy(dst, src, sizeof src);
  int *x = dst[0];
  return *x + (lone != 0);
}
// PTS(main::src) = {a, b}
// PTS(main::dst) = {a, b}
// PTS(main::x) = {a}
// PTS(main::lone) = {}
