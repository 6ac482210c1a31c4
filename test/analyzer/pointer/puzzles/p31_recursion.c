// Recursion over a list passes the same pointers around.  @exact-fs
#include <stdlib.h>
struct node { struct node *next; int *val; };
int a;
static int *last_val(struct node *n) {
  if (!n->next) return n->val;
  return last_val(n->next);
}
int main(void) {
  struct node *n1 = malloc(sizeof *n1); // ALLOC(h1)
  struct node *n2 = malloc(sizeof *n2); // ALLOC(h2)
  n1->next = n2; n1->val = &a;
  n2->next = 0; n2->val = &a;
  int *r = last_val(n1);
  return *r;
}
// PTS(last_val::n) = {h1, h2}
// PTS(main::r) = {a}
// PTS(h1.next) = {h2}
