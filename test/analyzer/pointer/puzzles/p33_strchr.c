// String functions return pointers into the string they were given.  @exact @exact-fs
#include <string.h>
char line[64] = "key:value";
char other[8];
int main(void) {
  char *colon = strchr(line, ':');
  char *val = colon + 1;
  char *copy = strcpy(other, val);
  char *hit = strstr(line, "val");
  return colon && copy && hit;
}
// PTS(main::colon) = {line}
// PTS(main::val) = {line}
// PTS(main::copy) = {other}
// PTS(main::hit) = {line}
