// pthread_create runs its start routine with its argument.  @exact @exact-fs
#include <pthread.h>
int shared;
static void *worker(void *arg) {
  int *counter = arg;
  (*counter)++;
  return arg;
}
int main(void) {
  pthread_t t;
  pthread_create(&t, 0, worker, &shared);
  pthread_join(t, 0);
  return shared;
}
// PTS(worker::arg) = {shared}
// PTS(worker::counter) = {shared}
// CALLS(main -> worker)
