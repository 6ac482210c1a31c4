/* sa_internal.h — what the runtime's own files share: the address map, the
 * encoder/decoder structs and the allocator's size table. Not for generated code. */
#ifndef STATELAB_SA_INTERNAL_H
#define STATELAB_SA_INTERNAL_H

#include "sa_runtime.h"

#include <unistd.h>

struct sa_slot {
  uintptr_t key;
  uint64_t val;
  int flag;
  uint64_t serial; /* allocator table: the block's allocation number (its persistent id) */
};
struct sa_map {
  struct sa_slot *slots;
  size_t cap, used, live;
};
void sa_map_init(struct sa_map *m);
void sa_map_free(struct sa_map *m);
void sa_map_clear(struct sa_map *m);
struct sa_slot *sa_map_get(const struct sa_map *m, uintptr_t k);
struct sa_slot *sa_map_put(struct sa_map *m, uintptr_t k);
void sa_map_del(struct sa_map *m, uintptr_t k);

struct sa_pending {
  const void *p;
  size_t n, elem;
  int raw; /* elements are pointer-free scalars: send their bytes */
  uint64_t pid; /* allocation number of a heap block (kind 0) whose identity persists; 0: none */
  int kind; /* 0 heap block, 1 global, 2 string, 3 interior (n = block id, elem = offset), 4 raw bits */
  sa_ser_fn f;
  const struct sa_global_desc *g;
};
struct sa_enc {
  msgpack_sbuffer buf, objbuf;
  msgpack_packer pk, vpk, opk; /* pk: where encoders write now; vpk/opk: values/objects */
  struct sa_map ids; /* address → object id of this encoding */
  struct sa_pending *queue;
  size_t nqueue, capqueue;
  const char *var;
  int persist; /* emit "@" (pids of heap blocks) after the object table */
  int persist_now; /* blocks queued now get their pid (the variable's objects may be shared with slots) */
};
struct sa_work {
  void *block;
  size_t n, elem;
  const msgpack_object *elems;
  sa_imp_fn f;
};
struct sa_dec {
  const msgpack_object *objs; /* the payload's object table */
  uint32_t nobjs;
  void **ptrs;                /* object id - 1 → installed address (NULL: not yet) */
  unsigned char *bound;
  struct sa_work *work;
  size_t nwork, capwork;
  const char *var;
  const msgpack_object *pids; /* "@" of this frame (NULL: fresh objects) */
  struct sa_map pmap;         /* primary pid → local block, across frames */
};
/* Forget pids whose local block is gone (after the collector ran). */
void sa_dec_prune(sa_dec *d);
/* After the variables: write the object table (key "") into e->buf. */
void sa_enc_finish(sa_enc *e);
/* Before the variables: take the object table; after them: import the objects. */
void sa_dec_begin(sa_dec *d, const msgpack_object *objs, const msgpack_object *pids);
void sa_dec_finish(sa_dec *d);
void sa_enc_init(sa_enc *e);
void sa_enc_reset(sa_enc *e);
void sa_enc_destroy(sa_enc *e);
void sa_dec_init(sa_dec *d);
void sa_dec_destroy(sa_dec *d);

/* Allocator table: address → size (flag: created by the importer). */
extern struct sa_map sa_heap;
/* Record heap blocks from now on (primary and standby). */
void sa_start_tracking(void);
/* Pointers encoded as their bits (they name no object: see sa_enc_ptr). */
extern unsigned long sa_raw_pointers;
void *sa_alloc_imported(size_t n);
void sa_collect(const struct sa_map *reached);
size_t sa_imported_live(void);

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

#endif
