// Struct assignment copies every member to the same member.  @exact-fs
int a, b, c;
struct pair { int *x; int *y; };
struct pair make(int *x, int *y) { struct pair r; r.x = x; r.y = y; return r; }
int main(void) {
  struct pair s, t;
  s.x = &a;
  s.y = &b;
  t = s;
  struct pair *tp = &t;
  int *u = tp->y;
  struct pair m = make(&c, &c);
  return *u + *m.x;
}
// PTS(main::t.x) = {a}
// PTS(main::t.y) = {b}
// PTS(main::u) = {b}
// PTS(main::m.x) = {c}
