// p + (q - p) is q: an integer offset computed from pointers still carries the target.
int a, b;
int main(void) {
  char *p = (char *)&a;
  char *q = (char *)&b;
  long off = q - p;
  char *r = p + off;
  return *r;
}
// PTS(main::r) = {b}
// PTS(main::p) = {a}
