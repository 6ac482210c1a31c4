// A variadic function reads a pointer argument with va_arg.
#include <stdarg.h>
int a, b;
static int *nth(int n, ...) {
  va_list ap;
  va_start(ap, n);
  int *r = 0;
  for (int i = 0; i <= n; i++) r = va_arg(ap, int *);
  va_end(ap);
  return r;
}
int main(void) {
  int *x = nth(1, &a, &b);
  return *x;
}
// PTS(nth::r) = {b}
// PTS(main::x) = {b}
