// Pointer arithmetic stays inside the object it started in.  @exact @exact-fs
int arr[10];
int other;
int main(void) {
  int *p = arr + 2;
  int *q = p - 1;
  q++;
  int *r = &arr[5];
  int *s = &other;
  return *p + *q + *r + *s;
}
// PTS(main::p) = {arr}
// PTS(main::q) = {arr}
// PTS(main::r) = {arr}
// PTS(main::s) = {other}
