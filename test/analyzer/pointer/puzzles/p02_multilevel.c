// Three levels of indirection: stores through ***ppp reach p.  @exact @exact-fs
int a, b;
int *p, *q;
int **pp;
int ***ppp;
int main(void) {
  p = &a;
  pp = &p;
  ppp = &pp;
  **ppp = &b;      /* p = &b */
  q = **ppp;       /* q = p */
  return *q;
}
// PTS(p) = {a, b}
// PTS(q) = {a, b}
// PTS(pp) = {p}
// PTS(ppp) = {pp}
