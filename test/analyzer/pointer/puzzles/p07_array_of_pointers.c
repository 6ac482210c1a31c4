// An array of pointers is one location (arrays are collapsed).
int a, b, c;
int *arr[3];
int main(void) {
  arr[0] = &a;
  arr[1] = &b;
  int *x = arr[1];
  int **y = &arr[2];
  *y = &c;
  return *x;
}
// PTS(arr) = {a, b, c}
// PTS(main::x) = {b}
// PTS(main::y) = {arr}
