// A vtable-like struct of function pointers on the heap.  @exact-fs
#include <stdlib.h>
struct ops { void (*open)(int *); void (*close)(int *); };
int a, b;
static void my_open(int *x) { *x = 1; }
static void my_close(int *x) { *x = 0; }
int main(void) {
  struct ops *o = malloc(sizeof *o); // ALLOC(h)
  o->open = my_open;
  o->close = my_close;
  o->open(&a);
  o->close(&b);
  return 0;
}
// PTS(main::o) = {h}
// PTS(h.open) = {my_open}
// PTS(h.close) = {my_close}
// PTS(my_open::x) = {a}
// PTS(my_close::x) = {b}
// CALLS(main -> my_open)
// CALLS(main -> my_close)
