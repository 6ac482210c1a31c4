// A cast between struct types with a common prefix (BSD sockaddr style).
int a, b;
struct base { int kind; int *data; };
struct derived { int kind; int *data; int *extra; };
int main(void) {
  struct derived d;
  d.data = &a;
  d.extra = &b;
  struct base *bp = (struct base *)&d;
  int *x = bp->data;
  bp->data = &b;
  int *y = d.data;
  return *x + *y;
}
// PTS(main::bp) = {main::d}
// PTS(main::x) = {a}
// PTS(main::y) = {b}
// PTS(main::d.data) = {a, b}
// PTS(main::d.extra) = {b}
