// Pointer-to-pointer swap through a helper.
int a, b;
static void swap(int **x, int **y) {
  int *t = *x;
  *x = *y;
  *y = t;
}
int main(void) {
  int *p = &a;
  int *q = &b;
  swap(&p, &q);
  return *p + *q;
}
// PTS(main::p) = {a, b}
// PTS(main::q) = {a, b}
// PTS(swap::x) = {main::p}
// PTS(swap::y) = {main::q}
// PTS(swap::t) = {a}
