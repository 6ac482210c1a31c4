// A function-static pointer keeps its target across calls.  @exact @exact-fs
int a, b;
static int *remember(int *p) {
  static int *last;
  int *prev = last;
  last = p;
  return prev;
}
int main(void) {
  remember(&a);
  int *r = remember(&b);
  return r ? *r : 0;
}
// PTS(remember::last) = {a, b}
// PTS(remember::prev) = {a, b}
// PTS(main::r) = {a, b}
