// A generic void * container holding two unrelated kinds of object.
int a;
double d;
struct box { void *item; };
static void put(struct box *b, void *x) { b->item = x; }
static void *get(struct box *b) { return b->item; }
int main(void) {
  struct box b1, b2;
  put(&b1, &a);
  put(&b2, &d);
  int *ip = get(&b1);
  double *dp = get(&b2);
  return *ip + (int)*dp;
}
// PTS(main::b1.item) = {a}
// PTS(main::b2.item) = {d}
// PTS(main::ip) = {a}
// PTS(main::dp) = {d}
// PTS(put::b) = {main::b1, main::b2}
