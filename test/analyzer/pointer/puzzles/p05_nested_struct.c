// Nested structs: members of an inner struct member are separate locations.  @exact-fs
int a, b, c;
struct inner { int *x; int *y; };
struct outer { struct inner in; int *z; };
struct outer g;
int main(void) {
  g.in.x = &a;
  g.in.y = &b;
  g.z = &c;
  struct inner *ip = &g.in;
  int *r = ip->y;
  int *s = g.z;
  return *r + *s;
}
// PTS(g.in.x) = {a}
// PTS(g.in.y) = {b}
// PTS(g.z) = {c}
// PTS(main::ip) = {g.in}
// PTS(main::r) = {b}
// PTS(main::s) = {c}
