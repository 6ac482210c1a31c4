// memcpy of a whole struct carries its pointer members along, member to member.  @exact-fs
#include <string.h>
int a, b;
struct pair { int *x; int *y; };
int main(void) {
  struct pair s, t;
  s.x = &a;
  s.y = &b;
  memcpy(&t, &s, sizeof s);
  int *u = t.x;
  int *v = t.y;
  return *u + *v;
}
// PTS(main::t.x) = {a}
// PTS(main::t.y) = {b}
// PTS(main::u) = {a}
// PTS(main::v) = {b}
