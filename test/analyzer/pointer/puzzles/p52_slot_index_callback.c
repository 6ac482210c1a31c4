// ids' on_ac_hit: a match slot read from an automaton that also holds pointers indexes a local bit set reached through a callback's void *arg. Field-sensitively the slot (an integer member) carries no pointer, so the write stays in the bit set; field-insensitively it carries the automaton's pointers and the write reaches them.  @exact-fs
#include <stdint.h>
#include <stdlib.h>
struct state { struct state *next; const char *pattern; uint32_t slot; };
struct automaton { struct state *states; uint32_t nstates; };
struct prefilter { uint8_t seen[16]; };
typedef void (*hit_fn)(uint32_t slot, void *arg);
static struct automaton ac;
static void on_hit(uint32_t slot, void *arg) {
  struct prefilter *pf = arg;
  uint8_t *cell = &pf->seen[slot >> 3];
  *cell |= (uint8_t)(1u << (slot & 7));
}
static void search(const struct automaton *a, hit_fn hit, void *arg) {
  for (const struct state *s = a->states; s; s = s->next) hit(s->slot, arg);
}
int main(void) {
  struct state *s = calloc(1, sizeof *s); // ALLOC(h1)
  s->next = NULL;
  s->pattern = "abc";
  s->slot = 9;
  ac.states = s;
  ac.nstates = 1;
  struct prefilter pf = {{0}};
  search(&ac, on_hit, &pf);
  return pf.seen[1];
}
// PTS(ac.states) = {h1}
// PTS(search::arg) = {main::pf}
// PTS(search::hit) = {on_hit}
// PTS(on_hit::slot) = {}
// PTS(on_hit::pf) = {main::pf}
// PTS(on_hit::cell) = {main::pf.seen}
// CALLS(search -> on_hit)
