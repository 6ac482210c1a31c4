/* sa_objects.c — object identity for state transfer: the allocator's size
 * table (malloc/calloc/realloc/free/strdup wrapped with ld --wrap), the
 * address → id map of an encoding and the id → address map of a decoding,
 * plus the type-checked MessagePack readers the generated importers use. */
#define _GNU_SOURCE
#include "sa_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- hash map */
/* Open addressing, linear probing, keys are addresses (0 = empty, 1 = deleted). */
#define SA_DELETED ((uintptr_t)1)

static uint64_t mix(uintptr_t k) {
  uint64_t x = (uint64_t)k;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

void sa_map_init(struct sa_map *m) {
  m->cap = 1024;
  m->used = m->live = 0;
  m->slots = __real_calloc(m->cap, sizeof *m->slots);
  if (m->slots == NULL) sa_fail(NULL, "out of memory");
}

void sa_map_free(struct sa_map *m) {
  __real_free(m->slots);
  m->slots = NULL;
}

void sa_map_clear(struct sa_map *m) {
  memset(m->slots, 0, m->cap * sizeof *m->slots);
  m->used = m->live = 0;
}

static struct sa_slot *find(const struct sa_map *m, uintptr_t k) {
  size_t i = mix(k) & (m->cap - 1);
  for (;;) {
    struct sa_slot *s = &m->slots[i];
    if (s->key == k || s->key == 0) return s;
    i = (i + 1) & (m->cap - 1);
  }
}

struct sa_slot *sa_map_get(const struct sa_map *m, uintptr_t k) {
  struct sa_slot *s = find(m, k);
  return s->key == k ? s : NULL;
}

static void grow(struct sa_map *m) {
  struct sa_slot *old = m->slots;
  size_t oldcap = m->cap;
  m->cap = m->live * 4 > oldcap ? oldcap * 2 : oldcap;
  m->slots = __real_calloc(m->cap, sizeof *m->slots);
  if (m->slots == NULL) sa_fail(NULL, "out of memory");
  m->used = m->live = 0;
  for (size_t i = 0; i < oldcap; i++)
    if (old[i].key > SA_DELETED) *sa_map_put(m, old[i].key) = old[i];
  __real_free(old);
}

struct sa_slot *sa_map_put(struct sa_map *m, uintptr_t k) {
  if ((m->used + 1) * 2 > m->cap) grow(m);
  size_t i = mix(k) & (m->cap - 1);
  struct sa_slot *tomb = NULL;
  for (;;) {
    struct sa_slot *s = &m->slots[i];
    if (s->key == k) return s;
    if (s->key == SA_DELETED && tomb == NULL) tomb = s;
    if (s->key == 0) {
      if (tomb != NULL) s = tomb;
      else m->used++;
      m->live++;
      memset(s, 0, sizeof *s);
      s->key = k;
      return s;
    }
    i = (i + 1) & (m->cap - 1);
  }
}

void sa_map_del(struct sa_map *m, uintptr_t k) {
  struct sa_slot *s = sa_map_get(m, k);
  if (s == NULL) return;
  s->key = SA_DELETED;
  m->live--;
}

/* ---------------------------------------------------------------- allocator */
/* Sizes of live heap blocks, recorded only when state transfer is on. */
struct sa_map sa_heap;
unsigned long sa_raw_pointers;
static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);

static int index_dirty = 1; /* the sorted block index must be rebuilt */
static uint64_t allocations = 1; /* numbers blocks from 2 (map keys 0, 1 are reserved): never reused, unlike an address */

static void record(void *p, size_t n, int imported) {
  if (p == NULL) return;
  pthread_mutex_lock(&heap_lock);
  index_dirty = 1;
  struct sa_slot *s = sa_map_put(&sa_heap, (uintptr_t)p);
  s->val = n;
  s->flag = imported;
  s->serial = ++allocations;
  pthread_mutex_unlock(&heap_lock);
}

static void forget(void *p) {
  if (p == NULL) return;
  pthread_mutex_lock(&heap_lock);
  index_dirty = 1;
  sa_map_del(&sa_heap, (uintptr_t)p);
  pthread_mutex_unlock(&heap_lock);
}

/* The --wrap wrappers tail-jump through these pointers. With --sa-mode off they
 * hold the library functions (resolved at load time, so the jump replaces the
 * plain build's jump through the PLT: no extra instruction per allocation);
 * sa_start_tracking points them at the tracking versions. */
static void *malloc_tracked(size_t n) {
  void *p = __real_malloc(n);
  record(p, n, 0);
  return p;
}

static void *calloc_tracked(size_t n, size_t s) {
  void *p = __real_calloc(n, s);
  record(p, n * s, 0);
  return p;
}

static void *realloc_tracked(void *old, size_t n) {
  void *p = __real_realloc(old, n);
  if (p != NULL || n == 0) {
    forget(old);
    record(p, n, 0);
  }
  return p;
}

static void free_tracked(void *p) {
  forget(p);
  __real_free(p);
}

static char *strdup_tracked(const char *s) {
  char *p = __real_strdup(s);
  if (p != NULL) record(p, strlen(p) + 1, 0);
  return p;
}

static void *(*malloc_impl)(size_t) = __real_malloc;
static void *(*calloc_impl)(size_t, size_t) = __real_calloc;
static void *(*realloc_impl)(void *, size_t) = __real_realloc;
static void (*free_impl)(void *) = __real_free;
static char *(*strdup_impl)(const char *) = __real_strdup;

void *__wrap_malloc(size_t n) { return malloc_impl(n); }
void *__wrap_calloc(size_t n, size_t s) { return calloc_impl(n, s); }
void *__wrap_realloc(void *old, size_t n) { return realloc_impl(old, n); }
void __wrap_free(void *p) { free_impl(p); }
char *__wrap_strdup(const char *s) { return strdup_impl(s); }

void sa_start_tracking(void) {
  malloc_impl = malloc_tracked;
  calloc_impl = calloc_tracked;
  realloc_impl = realloc_tracked;
  free_impl = free_tracked;
  strdup_impl = strdup_tracked;
}

/* A block the importer creates (zeroed; flagged so the collector may free it). */
void *sa_alloc_imported(size_t n) {
  void *p = __real_calloc(n ? n : 1, 1);
  if (p == NULL) sa_fail(NULL, "out of memory importing state");
  record(p, n, 1);
  return p;
}

/* Frees imported blocks the last encoding did not reach (they belonged to
 * variables a later frame replaced). Only imported blocks are candidates:
 * nothing else can point at them, because imports install only into the
 * updateable variables the encoding walks. */
void sa_collect(const struct sa_map *reached) {
  size_t n = 0;
  void **dead = NULL;
  for (size_t i = 0; i < sa_heap.cap; i++) {
    struct sa_slot *s = &sa_heap.slots[i];
    if (s->key > SA_DELETED && s->flag && sa_map_get(reached, s->key) == NULL) {
      if ((n & (n - 1)) == 0) {
        dead = __real_realloc(dead, (n ? n * 2 : 1) * sizeof *dead);
        if (dead == NULL) sa_fail(NULL, "out of memory");
      }
      dead[n++] = (void *)s->key;
    }
  }
  index_dirty = 1;
  for (size_t i = 0; i < n; i++) {
    sa_map_del(&sa_heap, (uintptr_t)dead[i]);
    __real_free(dead[i]);
  }
  __real_free(dead);
}

/* Sorted block starts, for pointers into the middle of a block (rebuilt lazily). */
static uintptr_t *starts;
static size_t nstarts;

static int cmp_addr(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return x < y ? -1 : x > y;
}

/* The heap block holding address a (start in *start), or NULL. */
static struct sa_slot *containing_block(uintptr_t a, uintptr_t *start) {
  if (index_dirty) {
    __real_free(starts);
    starts = __real_malloc((sa_heap.live + 1) * sizeof *starts);
    if (starts == NULL) sa_fail(NULL, "out of memory");
    nstarts = 0;
    for (size_t i = 0; i < sa_heap.cap; i++)
      if (sa_heap.slots[i].key > SA_DELETED) starts[nstarts++] = sa_heap.slots[i].key;
    qsort(starts, nstarts, sizeof *starts, cmp_addr);
    index_dirty = 0;
  }
  size_t lo = 0, hi = nstarts;
  while (lo < hi) { /* first start > a */
    size_t mid = lo + (hi - lo) / 2;
    if (starts[mid] <= a) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return NULL;
  struct sa_slot *s = sa_map_get(&sa_heap, starts[lo - 1]);
  if (s == NULL || a >= starts[lo - 1] + s->val) return NULL;
  *start = starts[lo - 1];
  return s;
}

size_t sa_block_size(const void *p) {
  if (p == NULL) return 0;
  pthread_mutex_lock(&heap_lock);
  struct sa_slot *s = sa_map_get(&sa_heap, (uintptr_t)p);
  size_t n = s != NULL ? (size_t)s->val : 0;
  pthread_mutex_unlock(&heap_lock);
  return n;
}

size_t sa_imported_live(void) {
  size_t n = 0;
  for (size_t i = 0; i < sa_heap.cap; i++)
    if (sa_heap.slots[i].key > SA_DELETED && sa_heap.slots[i].flag) n++;
  return n;
}

/* ---------------------------------------------------------------- errors */
void sa_fail(const char *var, const char *fmt, ...) {
  va_list ap;
  fflush(NULL);
  fputs("statelab runtime: ", stderr);
  if (var != NULL) fprintf(stderr, "variable %s: ", var);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  _exit(2);
}

/* ---------------------------------------------------------------- encoder */
void sa_enc_init(sa_enc *e) {
  msgpack_sbuffer_init(&e->buf);
  msgpack_sbuffer_init(&e->objbuf);
  msgpack_packer_init(&e->vpk, &e->buf, msgpack_sbuffer_write);
  msgpack_packer_init(&e->opk, &e->objbuf, msgpack_sbuffer_write);
  e->pk = e->vpk;
  sa_map_init(&e->ids);
  e->queue = NULL;
  e->nqueue = e->capqueue = 0;
  e->var = NULL;
  e->persist = 0;
  e->persist_now = 0;
}

void sa_enc_reset(sa_enc *e) {
  msgpack_sbuffer_clear(&e->buf);
  msgpack_sbuffer_clear(&e->objbuf);
  e->pk = e->vpk;
  sa_map_clear(&e->ids);
  e->nqueue = 0;
}

void sa_enc_destroy(sa_enc *e) {
  msgpack_sbuffer_destroy(&e->buf);
  msgpack_sbuffer_destroy(&e->objbuf);
  sa_map_free(&e->ids);
  __real_free(e->queue);
}

void sa_enc_begin_var(sa_enc *e, const char *name) {
  e->var = name;
  msgpack_pack_str(&e->pk, strlen(name));
  msgpack_pack_str_body(&e->pk, name, strlen(name));
}

void sa_enc_int(sa_enc *e, int64_t v) { msgpack_pack_int64(&e->pk, v); }
void sa_enc_uint(sa_enc *e, uint64_t v) { msgpack_pack_uint64(&e->pk, v); }
void sa_enc_double(sa_enc *e, double v) { msgpack_pack_double(&e->pk, v); }
void sa_enc_array(sa_enc *e, uint32_t n) { msgpack_pack_array(&e->pk, n); }
void sa_enc_nil(sa_enc *e) { msgpack_pack_nil(&e->pk); }
void sa_enc_bin(sa_enc *e, const void *p, size_t n) {
  msgpack_pack_bin(&e->pk, n);
  msgpack_pack_bin_body(&e->pk, p, n);
}

static void pack_cstr(msgpack_packer *pk, const char *s) {
  size_t n = strlen(s);
  msgpack_pack_str(pk, n);
  msgpack_pack_str_body(pk, s, n);
}

static const struct sa_global_desc *global_of(uintptr_t a) {
  for (int i = 0; i < sa_nglobals; i++) {
    uintptr_t b = (uintptr_t)*sa_globals[i].addr;
    if (a >= b && a < b + *sa_globals[i].size) return &sa_globals[i];
  }
  return NULL;
}

static struct sa_pending *enqueue(sa_enc *e) {
  if (e->nqueue == e->capqueue) {
    e->capqueue = e->capqueue ? e->capqueue * 2 : 256;
    e->queue = __real_realloc(e->queue, e->capqueue * sizeof *e->queue);
    if (e->queue == NULL) sa_fail(NULL, "out of memory");
  }
  struct sa_pending *q = &e->queue[e->nqueue++];
  memset(q, 0, sizeof *q);
  return q;
}

void sa_enc_ptr(sa_enc *e, const void *p, size_t elem, int flags, const char *type, sa_ser_fn f) {
  int is_char = flags & SA_PTR_CHAR;
  if (p == NULL) {
    msgpack_pack_nil(&e->pk);
    return;
  }
  uintptr_t a = (uintptr_t)p;
  struct sa_slot *seen = sa_map_get(&e->ids, a);
  if (seen != NULL) {
    msgpack_pack_uint64(&e->pk, seen->val);
    return;
  }
  struct sa_slot *blk = sa_map_get(&sa_heap, a);
  const struct sa_global_desc *g = blk == NULL ? global_of(a) : NULL;
  uintptr_t base = 0;
  struct sa_slot *outer = blk == NULL && g == NULL ? containing_block(a, &base) : NULL;
  if (outer != NULL && elem != 0 && (a - base) % elem == 0) {
    /* inside an array of this element type: send the whole block, then the offset */
    uint64_t base_id;
    struct sa_slot *bs = sa_map_get(&e->ids, base);
    if (bs != NULL) {
      base_id = bs->val;
    } else {
      struct sa_pending *bq = enqueue(e);
      base_id = e->nqueue;
      sa_map_put(&e->ids, base)->val = base_id;
      bq->p = (const void *)base;
      bq->pid = e->persist_now ? outer->serial : 0;
      bq->f = f;
      bq->elem = elem;
      bq->kind = 0;
      bq->raw = flags & SA_PTR_RAW;
      bq->n = outer->val / elem;
    }
    struct sa_pending *q = enqueue(e);
    q->kind = 3;
    q->n = base_id;
    q->elem = a - base;
    sa_map_put(&e->ids, a)->val = e->nqueue;
    msgpack_pack_uint64(&e->pk, e->nqueue);
    return;
  }
  if (blk == NULL && g == NULL && !is_char) {
    /* Not an object the program can reach through this pointer type (an uninitialised
     * slot past a container's length, a freed block, a sentinel): keep the bits. */
    sa_raw_pointers++;
    (void)type;
    struct sa_pending *q = enqueue(e);
    q->kind = 4;
    q->p = p;
    sa_map_put(&e->ids, a)->val = e->nqueue;
    msgpack_pack_uint64(&e->pk, e->nqueue);
    return;
  }
  struct sa_pending *q = enqueue(e);
  uint64_t id = e->nqueue;
  sa_map_put(&e->ids, a)->val = id;
  q->p = p;
  q->f = f;
  q->elem = elem;
  if (blk != NULL) {
    q->kind = 0;
    q->pid = e->persist_now ? blk->serial : 0;
    q->raw = flags & SA_PTR_RAW;
    q->n = elem ? blk->val / elem : 0;
  } else if (g != NULL) {
    q->kind = 1;
    q->g = g;
  } else {
    q->kind = 2; /* a string the program did not allocate (a literal, argv) */
  }
  msgpack_pack_uint64(&e->pk, id);
}

void sa_enc_finish(sa_enc *e) {
  e->pk = e->opk;
  for (size_t i = 0; i < e->nqueue; i++) { /* the queue grows while we walk it */
    struct sa_pending q = e->queue[i];
    if (q.kind == 1) {
      msgpack_pack_array(&e->pk, 2);
      pack_cstr(&e->pk, q.g->name);
      msgpack_pack_uint64(&e->pk, (uintptr_t)q.p - (uintptr_t)*q.g->addr);
    } else if (q.kind == 3) {
      msgpack_pack_array(&e->pk, 3);
      pack_cstr(&e->pk, "+");
      msgpack_pack_uint64(&e->pk, q.n);
      msgpack_pack_uint64(&e->pk, q.elem);
    } else if (q.kind == 4) {
      msgpack_pack_array(&e->pk, 2);
      pack_cstr(&e->pk, "#");
      msgpack_pack_uint64(&e->pk, (uintptr_t)q.p);
    } else if (q.kind == 2) {
      msgpack_pack_array(&e->pk, 1);
      sa_enc_bin(e, q.p, strlen(q.p) + 1);
    } else if (q.raw) { /* scalars without pointers: their bytes */
      msgpack_pack_array(&e->pk, 3);
      msgpack_pack_uint64(&e->pk, q.n);
      msgpack_pack_true(&e->pk);
      sa_enc_bin(e, q.p, q.n * q.elem);
    } else {
      msgpack_pack_array(&e->pk, (uint32_t)(q.n + 1));
      msgpack_pack_uint64(&e->pk, q.n);
      for (size_t k = 0; k < q.n; k++) q.f(e, (const char *)q.p + k * q.elem);
    }
  }
  e->pk = e->vpk;
  msgpack_pack_str(&e->pk, 0);
  msgpack_pack_array(&e->pk, (uint32_t)e->nqueue);
  msgpack_sbuffer_write(&e->buf, e->objbuf.data, e->objbuf.size);
  if (!e->persist) return;
  msgpack_pack_str(&e->pk, 1);
  msgpack_pack_str_body(&e->pk, "@", 1);
  msgpack_pack_array(&e->pk, (uint32_t)e->nqueue);
  for (size_t i = 0; i < e->nqueue; i++) {
    if (e->queue[i].kind == 0 && e->queue[i].pid != 0) msgpack_pack_uint64(&e->pk, e->queue[i].pid);
    else msgpack_pack_nil(&e->pk);
  }
}

void sa_enc_fn(sa_enc *e, void (*fn)(void)) {
  if (fn == NULL) {
    msgpack_pack_nil(&e->pk);
    return;
  }
  for (int i = 0; i < sa_nfuncs; i++)
    if (*sa_funcs[i].fn == fn) {
      pack_cstr(&e->pk, sa_funcs[i].name);
      return;
    }
  sa_fail(e->var, "function pointer %p names no function of the program", (void *)fn);
}

/* ---------------------------------------------------------------- decoder */
void sa_dec_init(sa_dec *d) {
  memset(d, 0, sizeof *d);
  sa_map_init(&d->pmap);
}

void sa_dec_prune(sa_dec *d) {
  for (size_t i = 0; i < d->pmap.cap; i++) {
    struct sa_slot *s = &d->pmap.slots[i];
    if (s->key > SA_DELETED && sa_map_get(&sa_heap, (uintptr_t)s->val) == NULL) {
      s->key = SA_DELETED;
      d->pmap.live--;
    }
  }
}

void sa_dec_destroy(sa_dec *d) {
  __real_free(d->ptrs);
  __real_free(d->bound);
  __real_free(d->work);
  sa_map_free(&d->pmap);
}

static void bad(sa_dec *d, const char *what) { sa_fail(d->var, "bad state payload: %s", what); }

void sa_dec_begin(sa_dec *d, const msgpack_object *objs, const msgpack_object *pids) {
  __real_free(d->ptrs);
  __real_free(d->bound);
  d->objs = NULL;
  d->nobjs = 0;
  d->ptrs = NULL;
  d->bound = NULL;
  d->nwork = 0;
  d->pids = NULL;
  if (objs == NULL) return;
  if (objs->type != MSGPACK_OBJECT_ARRAY) bad(d, "the object table is not an array");
  if (pids != NULL && (pids->type != MSGPACK_OBJECT_ARRAY || pids->via.array.size != objs->via.array.size))
    bad(d, "the pid list does not match the object table");
  d->pids = pids != NULL ? pids->via.array.ptr : NULL;
  d->objs = objs->via.array.ptr;
  d->nobjs = objs->via.array.size;
  d->ptrs = __real_calloc(d->nobjs + 1, sizeof *d->ptrs);
  d->bound = __real_calloc(d->nobjs + 1, 1);
  if (d->ptrs == NULL || d->bound == NULL) sa_fail(NULL, "out of memory");
}

/* First in, first out: objects are then first met in the order the encoder met
 * them, so each block is rebuilt with the element type it was encoded with. */
void sa_dec_finish(sa_dec *d) {
  for (size_t k = 0; k < d->nwork; k++) { /* grows while we walk it */
    struct sa_work w = d->work[k];
    if (w.f == NULL) continue; /* raw bytes, already copied */
    for (size_t i = 0; i < w.n; i++) w.f(d, &w.elems[i], (char *)w.block + i * w.elem);
  }
  d->nwork = 0;
}

int64_t sa_dec_int(sa_dec *d, const msgpack_object *o) {
  if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) return (int64_t)o->via.u64;
  if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) return o->via.i64;
  bad(d, "expected an integer");
  return 0;
}

uint64_t sa_dec_uint(sa_dec *d, const msgpack_object *o) {
  if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) return o->via.u64;
  if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) return (uint64_t)o->via.i64;
  bad(d, "expected an integer");
  return 0;
}

double sa_dec_double(sa_dec *d, const msgpack_object *o) {
  if (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) return o->via.f64;
  if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) return (double)o->via.u64; /* integral floats may travel as ints */
  if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) return (double)o->via.i64;
  bad(d, "expected a float");
  return 0;
}

void sa_dec_bin(sa_dec *d, const msgpack_object *o, void *dst, size_t n) {
  if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n) bad(d, "expected a byte array of the declared size");
  memcpy(dst, o->via.bin.ptr, n);
}

const msgpack_object *sa_dec_array(sa_dec *d, const msgpack_object *o, uint32_t n) {
  if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != n) bad(d, "array or struct of the wrong shape");
  return o->via.array.ptr;
}

/* Persistent identity: the block the standby already holds for this object's
 * pid (the primary's allocation number) when its size still fits (imported in
 * place), else a new one bound to the pid. Allocation numbers are never reused,
 * so an address the primary reuses after a free is a new pid; a size that
 * differs for a known pid is still checked (never import past a block's end). */
static void *block_for(sa_dec *d, uint64_t id, size_t bytes) {
  const msgpack_object *pid = d->pids != NULL ? &d->pids[id - 1] : NULL;
  if (pid == NULL || pid->type == MSGPACK_OBJECT_NIL) return sa_alloc_imported(bytes);
  uint64_t key = 0;
  if (pid->type == MSGPACK_OBJECT_POSITIVE_INTEGER) key = pid->via.u64;
  /* a relay that re-encodes payloads may write a large integer as a float64 (exact below 2^53) */
  else if (pid->type == MSGPACK_OBJECT_FLOAT64 && pid->via.f64 >= 2 && pid->via.f64 < 9007199254740992.0 &&
           (double)(uint64_t)pid->via.f64 == pid->via.f64)
    key = (uint64_t)pid->via.f64;
  if (key <= SA_DELETED) bad(d, "bad pid");
  struct sa_slot *s = sa_map_get(&d->pmap, (uintptr_t)key);
  if (s != NULL) {
    struct sa_slot *h = sa_map_get(&sa_heap, (uintptr_t)s->val);
    if (h != NULL && h->val == bytes) return (void *)(uintptr_t)s->val;
  }
  void *p = sa_alloc_imported(bytes);
  sa_map_put(&d->pmap, (uintptr_t)key)->val = (uintptr_t)p;
  return p;
}

static void *make_object(sa_dec *d, const msgpack_object *o, size_t elem, sa_imp_fn f, uint64_t id) {
  if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 1) bad(d, "object table entry is not an array");
  const msgpack_object *a = o->via.array.ptr;
  uint32_t size = o->via.array.size;
  if (a[0].type == MSGPACK_OBJECT_STR && size == 3 && a[0].via.str.size == 1 && a[0].via.str.ptr[0] == '+') {
    msgpack_object ref = a[1]; /* the block, as an array of this element type */
    uint64_t off = sa_dec_uint(d, &a[2]);
    if (ref.type != MSGPACK_OBJECT_POSITIVE_INTEGER || ref.via.u64 == 0 || ref.via.u64 > d->nobjs ||
        &d->objs[ref.via.u64 - 1] == o)
      bad(d, "interior pointer to an unknown block");
    char *b = sa_dec_ptr(d, &ref, elem, f);
    const msgpack_object *bo = &d->objs[ref.via.u64 - 1];
    if (b == NULL || bo->type != MSGPACK_OBJECT_ARRAY || bo->via.array.size < 1 ||
        off >= (uint64_t)(bo->via.array.size - 1) * elem)
      bad(d, "interior pointer outside its block");
    return b + off;
  }
  if (a[0].type == MSGPACK_OBJECT_STR && size == 2 && a[0].via.str.size == 1 && a[0].via.str.ptr[0] == '#')
    return (void *)(uintptr_t)sa_dec_uint(d, &a[1]); /* kept bits, never dereferenced */
  if (a[0].type == MSGPACK_OBJECT_STR && size == 2) {
    uint64_t off = sa_dec_uint(d, &a[1]);
    for (int i = 0; i < sa_nglobals; i++) {
      const struct sa_global_desc *g = &sa_globals[i];
      if (strlen(g->name) == a[0].via.str.size && memcmp(g->name, a[0].via.str.ptr, a[0].via.str.size) == 0) {
        if (off >= *g->size) bad(d, "offset outside its global");
        return (char *)*g->addr + off;
      }
    }
    bad(d, "pointer to an unknown global");
  }
  if (a[0].type == MSGPACK_OBJECT_BIN && size == 1) {
    size_t n = a[0].via.bin.size;
    if (n == 0 || a[0].via.bin.ptr[n - 1] != '\0') bad(d, "string without its NUL");
    char *s = sa_alloc_imported(n);
    memcpy(s, a[0].via.bin.ptr, n);
    return s;
  }
  uint64_t n = sa_dec_uint(d, &a[0]);
  if (size == 3 && a[1].type == MSGPACK_OBJECT_BOOLEAN && a[2].type == MSGPACK_OBJECT_BIN) {
    if (elem == 0 || n > SIZE_MAX / elem || a[2].via.bin.size != n * elem) bad(d, "raw block of the wrong size");
    void *p = block_for(d, id, (size_t)n * elem);
    memcpy(p, a[2].via.bin.ptr, (size_t)n * elem);
    return p;
  }
  if (n != size - 1u) bad(d, "heap block with the wrong element count");
  if (elem != 0 && n > SIZE_MAX / elem) bad(d, "heap block too large");
  void *p = block_for(d, id, (size_t)n * elem);
  if (d->nwork == d->capwork) {
    d->capwork = d->capwork ? d->capwork * 2 : 256;
    d->work = __real_realloc(d->work, d->capwork * sizeof *d->work);
    if (d->work == NULL) sa_fail(NULL, "out of memory");
  }
  d->work[d->nwork++] = (struct sa_work){p, (size_t)n, elem, a + 1, f};
  return p;
}

void *sa_dec_ptr(sa_dec *d, const msgpack_object *o, size_t elem, sa_imp_fn f) {
  if (o->type == MSGPACK_OBJECT_NIL) return NULL;
  if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 == 0 || o->via.u64 > d->nobjs)
    bad(d, "reference to an unknown object");
  uint64_t id = o->via.u64;
  if (!d->bound[id]) {
    d->bound[id] = 1;
    d->ptrs[id] = make_object(d, &d->objs[id - 1], elem, f, id);
  }
  return d->ptrs[id];
}

void (*sa_dec_fn(sa_dec *d, const msgpack_object *o))(void) {
  if (o->type == MSGPACK_OBJECT_NIL) return NULL;
  if (o->type != MSGPACK_OBJECT_STR) bad(d, "expected a function name");
  for (int i = 0; i < sa_nfuncs; i++)
    if (strlen(sa_funcs[i].name) == o->via.str.size &&
        memcmp(sa_funcs[i].name, o->via.str.ptr, o->via.str.size) == 0)
      return *sa_funcs[i].fn;
  bad(d, "unknown function name");
  return NULL;
}
