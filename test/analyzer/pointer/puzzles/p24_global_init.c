// Pointers set up by global initializers (run before main).  @exact @exact-fs
int a, b;
int *gp = &a;
int **gpp = &gp;
int *arr[] = { &a, &b };
const char *msg = "hello";
int main(int argc, char **argv) {
  (void)argv;
  int *x = *gpp;
  int *y = arr[argc & 1];
  return *x + *y + msg[0];
}
// PTS(gp) = {a}
// PTS(gpp) = {gp}
// PTS(arr) = {a, b}
// PTS(main::x) = {a}
// PTS(main::y) = {a, b}
