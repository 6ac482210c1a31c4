// An array of structs: elements collapse, members stay apart.  @exact-fs
int a, b;
struct entry { int *p; int *q; };
struct entry table[4];
int main(int argc, char **argv) {
  (void)argv;
  for (int i = 0; i < 4; i++) { table[i].p = &a; table[i].q = &b; }
  struct entry *e = &table[argc & 3];
  int *x = e->p;
  int *y = table[1].q;
  return *x + *y;
}
// PTS(table.p) = {a}
// PTS(table.q) = {b}
// PTS(main::e) = {table}
// PTS(main::x) = {a}
// PTS(main::y) = {b}
