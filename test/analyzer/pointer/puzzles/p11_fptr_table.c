// A table of function pointers indexed at run time.  @exact @exact-fs
int a, b;
static int inc(int *x) { return ++*x; }
static int dec(int *x) { return --*x; }
static int neg(int *x) { return -*x; }
int (*ops[])(int *) = { inc, dec };
int main(int argc, char **argv) {
  (void)argv;
  int r = ops[argc & 1](&a);
  int (*f)(int *) = neg;
  return r + f(&b);
}
// PTS(ops) = {inc, dec}
// PTS(main::f) = {neg}
// PTS(inc::x) = {a}
// PTS(dec::x) = {a}
// PTS(neg::x) = {b}
// CALLS(main -> inc)
// CALLS(main -> dec)
// CALLS(main -> neg)
