// A list built from one allocation site, walked to the end.  @exact @exact-fs
#include <stdlib.h>
struct node { int v; struct node *next; };
struct node *head;
int main(void) {
  for (int i = 0; i < 3; i++) {
    struct node *n = malloc(sizeof *n); // ALLOC(n1)
    n->v = i;
    n->next = head;
    head = n;
  }
  struct node *cur = head;
  while (cur->next) cur = cur->next;
  return cur->v;
}
// PTS(head) = {n1}
// PTS(main::cur) = {n1}
// PTS(n1.next) = {n1}
