// Indexing an array inside a union member (a header copy `u.raw[i]`, glibc's in6_addr.s6_addr[i]) stays inside the union: it is not container_of arithmetic, so the enclosing struct keeps its fields apart (it used to collapse, and every pointer member then held every other's targets).  @exact-fs
#include <stdint.h>
#include <string.h>
int a, b;
struct pkt {
  int *x;
  union { uint32_t words[4]; uint8_t raw[16]; } copy;
  int *y;
};
struct addr { union { uint8_t b8[16]; uint32_t b32[4]; } u; };
int main(void) {
  struct pkt p;
  struct addr ad;
  p.x = &a;
  p.y = &b;
  memcpy(p.copy.raw, "0123456789abcdef", 16);
  uint8_t *c = &p.copy.raw[3];
  uint8_t *d = &ad.u.b8[5];
  *c = 1;
  *d = 2;
  int *u = p.x;
  int *v = p.y;
  return *u + *v + *c + *d;
}
// PTS(main::u) = {a}
// PTS(main::v) = {b}
// PTS(main::c) = {main::p.copy}
// PTS(main::d) = {main::ad.u}
