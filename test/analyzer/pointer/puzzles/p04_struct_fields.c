// Two pointer members of one struct stay apart field-sensitively.  @exact-fs
int a, b;
struct pair { int *x; int *y; };
int main(void) {
  struct pair s;
  s.x = &a;
  s.y = &b;
  int *u = s.x;
  int *v = s.y;
  int **w = &s.y;
  return *u + *v + **w;
}
// PTS(main::s.x) = {a}
// PTS(main::s.y) = {b}
// PTS(main::u) = {a}
// PTS(main::v) = {b}
// PTS(main::w) = {main::s.y}
