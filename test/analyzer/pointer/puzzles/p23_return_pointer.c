// A function returning a pointer derived from its argument.
int a, b;
static int *id(int *p) { return p; }
int main(void) {
  int *x = id(&a);
  int *y = id(&b);
  return *x + *y;
}
// PTS(main::x) = {a}
// PTS(main::y) = {b}
// PTS(id::p) = {a, b}
