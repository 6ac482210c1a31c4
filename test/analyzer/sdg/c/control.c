/* Control-dependence corner cases: break, continue, goto, early return,
   switch with fallthrough, and a while(1) loop without exit. Each commented
   statement names the predicate line it must be control dependent on. */
#include <stdio.h>
#include <stdlib.h>

int g;

int early(int x) {
  if (x < 0)              /* P1 */
    return -1;            /* on P1 */
  g = x;                  /* on P1 (early return) */
  return 0;
}

int loops(int n) {
  int s = 0;
  for (int k = 0; k < n; k++) {   /* P2 */
    if (k == 3)                   /* P3: on P2 */
      continue;                   
    if (k == 7)                   /* P4: on P2, P3 */
      break;
    s += k;                       /* on P4 */
  }
  if (s > 100)                    /* P5 */
    goto out;
  s = s * 2;                      /* on P5 */
out:
  return s;
}

int sw(int c) {
  int r = 0;
  switch (c) {                    /* P6 */
  case 1:
    r = 10;                       /* on P6 */
  case 2:
    r = r + 1;                    /* on P6 (fallthrough) */
    break;
  default:
    r = -1;                       /* on P6 */
  }
  return r;
}

void forever(void) {
  int n = 0;
  while (1) {
    int c = getchar();            /* on entry (loop without exit) */
    if (c == 'x')                 /* P7 */
      n++;                        /* on P7 */
    printf("%d %d\n", n, early(c) + loops(c) + sw(c));
  }
}

int main(void) {
  forever();
  return 0;
}
