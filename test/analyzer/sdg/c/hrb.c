/* The Horwitz-Reps-Binkley (1990) example Main/A/Add/Increment, with the
   by-reference parameters of A as globals and Add/Increment returning their
   result. The slice on i at the last printf is context-sensitive only if it
   leaves out `sum = add(sum, i)` and `sum = 0`: add is also called for sum. */
#include <stdio.h>

int sum;
int i;

static int add(int a, int b) {
  return a + b;
}

static int increment(int z) {
  return add(z, 1);
}

static void A(void) {
  sum = add(sum, i);
  i = increment(i);
}

int main(void) {
  sum = 0;
  i = 1;
  while (i < 11) {
    A();
  }
  printf("%d\n", sum);
  printf("%d\n", i);
  return 0;
}
