// Address-of and plain copies.  @exact @exact-fs
int a, b;
int main(void) {
  int *p = &a;
  int *q = &b;
  int *r = p;
  r = q;
  return *r;
}
// PTS(main::p) = {a}
// PTS(main::q) = {b}
// PTS(main::r) = {a, b}
