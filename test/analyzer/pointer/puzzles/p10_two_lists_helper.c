// The same two lists built through one helper: context-insensitively they mix (sound, not exact).
#include <stdlib.h>
struct node { struct node *next; int *data; };
int a, b;
static struct node *push(struct node *l, struct node *n, int *d) { n->next = l; n->data = d; return n; }
int main(void) {
  struct node *l1 = 0, *l2 = 0;
  for (int i = 0; i < 2; i++) {
    l1 = push(l1, malloc(sizeof(struct node)), &a); // ALLOC(h1)
    l2 = push(l2, malloc(sizeof(struct node)), &b); // ALLOC(h2)
  }
  int *x = l1->next->data;
  return *x;
}
// PTS(main::l1) = {h1}
// PTS(main::l2) = {h2}
// PTS(push::n) = {h1, h2}
// PTS(h1.next) = {h1}
// PTS(h1.data) = {a}
// PTS(main::x) = {a}
