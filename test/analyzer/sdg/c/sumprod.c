/* Weiser's / Tip's sum-product example (Tip 1995, Fig. 1): the slice on
   `product` at the last printf must keep n, i, product and the loop, and
   drop everything about sum. Expected slices are listed in sdg.test.ts. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  int i = 1;
  int sum = 0;
  int product = 1;
  while (i <= n) {
    sum = sum + i;
    product = product * i;
    i = i + 1;
  }
  printf("%d\n", sum);
  printf("%d\n", product);
  return argc > 9;
}
