// Members reached through pointers to two different struct objects.
int a, b, c, d;
struct pair { int *x; int *y; };
static void fill(struct pair *sp, int *l, int *r) { sp->x = l; sp->y = r; }
int main(void) {
  struct pair s1, s2;
  fill(&s1, &a, &b);
  fill(&s2, &c, &d);
  int *t = s1.x;
  return *t;
}
// PTS(fill::sp) = {main::s1, main::s2}
// PTS(main::s1.x) = {a}
// PTS(main::s1.y) = {b}
// PTS(main::s2.y) = {d}
// PTS(main::t) = {a}
