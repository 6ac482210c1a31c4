// strtok returns pointers into the string of its first call, also on later NULL calls.  @exact @exact-fs
#include <string.h>
char buf[32] = "a b c";
int main(void) {
  char *tok = strtok(buf, " ");
  int n = 0;
  while (tok) { n++; tok = strtok(NULL, " "); }
  return n;
}
// PTS(main::tok) = {buf}
