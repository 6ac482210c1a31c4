// A signal handler is called by the library; it reads a global pointer.  @exact @exact-fs
#include <signal.h>
int flag;
int *volatile flagp = &flag;
static void on_int(int sig) {
  int *f = flagp;
  *f = sig;
}
int main(void) {
  signal(SIGINT, on_int);
  return 0;
}
// PTS(flagp) = {flag}
// PTS(on_int::f) = {flag}
// CALLS(main -> on_int)
