// strdup returns a fresh object per call site.  @exact @exact-fs
#include <string.h>
#include <stdlib.h>
const char *name = "eth0";
int main(void) {
  char *a = strdup(name); // ALLOC(d1)
  char *b = strdup(a); // ALLOC(d2)
  free(a);
  return b[0];
}
// PTS(main::a) = {d1}
// PTS(main::b) = {d2}
