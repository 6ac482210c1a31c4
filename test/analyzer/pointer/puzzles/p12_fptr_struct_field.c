// Function pointers stored in struct fields (a plugin record).  @exact-fs
int a, b;
struct plugin { const char *name; int (*handle)(int *); int (*stop)(int *); };
static int tcp_handle(int *x) { return *x; }
static int tcp_stop(int *x) { return *x + 1; }
struct plugin tcp = { "tcp", tcp_handle, tcp_stop };
int main(void) {
  struct plugin *pl = &tcp;
  pl->handle(&a);
  return pl->stop(&b);
}
// PTS(tcp.handle) = {tcp_handle}
// PTS(tcp.stop) = {tcp_stop}
// PTS(tcp_handle::x) = {a}
// PTS(tcp_stop::x) = {b}
// CALLS(main -> tcp_handle)
// CALLS(main -> tcp_stop)
