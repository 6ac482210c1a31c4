// Conditional expressions and short-circuit conditions choose between targets.  @exact @exact-fs
int a, b, c;
int main(int argc, char **argv) {
  (void)argv;
  int *p = argc > 1 ? &a : &b;
  int *q = (argc > 2 && p) ? p : &c;
  return *q;
}
// PTS(main::p) = {a, b}
// PTS(main::q) = {a, b, c}
