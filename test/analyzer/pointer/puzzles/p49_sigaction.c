// sigaction's handler sits inside a struct the program fills in; the library calls it.  @exact @exact-fs
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <string.h>
int stop;
int *volatile stopp = &stop;
static void on_term(int sig) {
  int *s = stopp;
  *s = sig;
}
int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, 0);
  return 0;
}
// PTS(on_term::s) = {stop}
// PTS(stopp) = {stop}
// CALLS(main -> on_term)
