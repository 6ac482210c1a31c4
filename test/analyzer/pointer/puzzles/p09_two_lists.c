// Two lists from two allocation sites never mix in Andersen.  @exact-fs
#include <stdlib.h>
struct node { struct node *next; int *data; };
int a, b;
int main(void) {
  struct node *l1 = 0, *l2 = 0;
  for (int i = 0; i < 2; i++) {
    struct node *n = malloc(sizeof(struct node)); // ALLOC(h1)
    n->next = l1; n->data = &a; l1 = n;
    struct node *m = malloc(sizeof(struct node)); // ALLOC(h2)
    m->next = l2; m->data = &b; l2 = m;
  }
  int *x = l1->next->data;
  return *x;
}
// PTS(main::l1) = {h1}
// PTS(main::l2) = {h2}
// PTS(h1.next) = {h1}
// PTS(h2.next) = {h2}
// PTS(main::x) = {a}
