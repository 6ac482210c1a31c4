// A function that returns a function pointer, then called through it.
int a, b;
typedef int (*op_t)(int *);
static int get(int *p) { return *p; }
static int clear(int *p) { *p = 0; return 0; }
static op_t pick(int which) { return which ? get : clear; }
int main(int argc, char **argv) {
  (void)argv;
  op_t f = pick(argc > 1);
  return f(&a) + pick(0)(&b);
}
// PTS(main::f) = {get, clear}
// PTS(get::p) = {a}
// PTS(clear::p) = {a, b}
// CALLS(main -> get)
// CALLS(main -> clear)
