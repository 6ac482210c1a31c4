// An external with no model may store any pointer it can reach anywhere it can reach.  @unknown mystery
int a, b;
extern void mystery(int **slot, int *v);
int main(void) {
  int *p = &a;
  mystery(&p, &b);
  int *q = p;
  return *q;
}
// PTS(main::p) = {a, b}
// PTS(main::q) = {a, b}
