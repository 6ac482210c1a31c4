// fopen returns a FILE object per call site; fprintf and fgets keep pointers where they were.  @exact @exact-fs
#include <stdio.h>
char line[128];
int main(void) {
  FILE *in = fopen("in.txt", "r"); // ALLOC(fin=FILE)
  FILE *out = fopen("out.txt", "w"); // ALLOC(fout=FILE)
  if (!in || !out) return 1;
  char *got = fgets(line, sizeof line, in);
  if (got) fprintf(out, "%s", got);
  fclose(in);
  fclose(out);
  return 0;
}
// PTS(main::in) = {fin}
// PTS(main::out) = {fout}
// PTS(main::got) = {line}
