/* sa_runtime.c — modes, the packet hooks and the agent ↔ middlebox frame
 * stream (harness/protocol/README.md §6): the primary exports one `state`
 * frame per packet on fd 3 (and a `snapshot` when asked on fd 4); the standby
 * imports frames from fd 4 until `takeover`, acknowledging each with
 * `applied`. Also the `main` that strips --sa-mode/--sa-model from argv. */
#define _GNU_SOURCE
#include "sa_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { SA_OFF, SA_PRIMARY, SA_STANDBY };
enum { SA_ALL, SA_FLOWSPACE, SA_FLOWSPACE_UPDATED };
static const char *const model_names[] = {"all", "flowspace", "flowspace+updated"};

#define SA_FRAME_LIMIT (64u << 20) /* largest body we accept on fd 4 */
#define FD_OUT 3
#define FD_IN 4

unsigned long sa_marks_executed;
static int mode = SA_OFF, model = SA_ALL;
static int pending;           /* a packet was received and not yet ended */
static uint64_t seq;          /* last state frame written (primary) or applied (standby) */
static uint64_t packets;      /* packets ended */
static uint64_t in_offset;    /* bytes consumed from fd 4, for error messages */
static int in_open;           /* fd 4 usable */
static FILE *digest_out;      /* SA_DIGEST_FILE: "seq digest" per frame */
static unsigned long digest_every = 1;
static sa_enc enc, scratch;
static sa_dec dec;
static size_t gc_threshold = 4096;

/* ---------------------------------------------------------------- slots */
/* Addresses of container elements the packet's code subscripted (SA_REC):
 * the entries in the flowspace of the packet, as the middlebox's own lookups
 * found them. Past SLOT_LIMIT the packet sends its keyed variables whole. */
#define SLOT_LIMIT (1u << 16)
#define MAX_CONTS 8
int sa_slot_on;
static const void **slotv; /* SLOT_LIMIT entries, allocated when recording starts */
static size_t nslot;       /* may pass SLOT_LIMIT: then the packet sends keyed variables whole */
static int full_next = 1;  /* the first flowspace frame is full: it binds every pid */

/* Lock-free, so threads of one middlebox (synblock's queue) may record at once.
 * On x86-64 SA_REC calls it from inline asm that declares no clobbers
 * (sa_hooks.h), so it saves every register it uses, general ones only, and
 * calls nothing (no sanitizer checks: their handlers could clobber any register). */
#if defined(__x86_64__)
__attribute__((no_caller_saved_registers, target("general-regs-only"), no_sanitize("address", "undefined")))
#endif
void sa_slot_record(const void *p) {
  size_t i = __atomic_fetch_add(&nslot, 1, __ATOMIC_RELAXED);
  if (i < SLOT_LIMIT) slotv[i] = p;
}

static void start_recording(void) {
  if (slotv == NULL && (slotv = __real_malloc(SLOT_LIMIT * sizeof *slotv)) == NULL) sa_fail(NULL, "out of memory");
  sa_slot_on = model != SA_ALL;
}

/* ---------------------------------------------------------------- fd I/O */
static void write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) sa_fail(NULL, "cannot write a frame on fd %d: %s", fd, strerror(errno));
    c += w;
    n -= (size_t)w;
  }
}

/* fd 4 is read in large reads into ibuf: one read serves every frame the agent
 * wrote meanwhile (the standby's frames arrive in bursts). ibuf[ipos, iend) is
 * unconsumed; in_offset counts consumed bytes, for error messages. */
static char *ibuf;
static size_t ipos, iend, icap;

/* Room for n bytes from ipos on: the unconsumed tail moves to the front, the buffer grows. */
static void in_reserve(size_t n) {
  if (icap - ipos >= n) return;
  if (iend > ipos) memmove(ibuf, ibuf + ipos, iend - ipos);
  iend -= ipos;
  ipos = 0;
  if (icap >= n) return;
  size_t cap = icap ? icap : (size_t)1 << 16;
  while (cap < n) cap *= 2;
  if ((ibuf = __real_realloc(ibuf, cap)) == NULL) sa_fail(NULL, "out of memory");
  icap = cap;
}

/* Makes n unconsumed bytes available; 0 = clean end of stream with none buffered. */
static int in_fill(size_t n) {
  in_reserve(n);
  while (iend - ipos < n) {
    ssize_t r = read(FD_IN, ibuf + iend, icap - iend);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) sa_fail(NULL, "fd 4: read failed at stream offset %" PRIu64 ": %s", in_offset + (iend - ipos),
                       strerror(errno));
    if (r == 0) {
      if (iend == ipos) return 0;
      sa_fail(NULL, "fd 4: frame cut off at stream offset %" PRIu64, in_offset + (iend - ipos));
    }
    iend += (size_t)r;
  }
  return 1;
}

static uint32_t be32(const char *p) {
  const unsigned char *u = (const unsigned char *)p;
  return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* A whole frame is buffered: reading it cannot block. */
static int in_has_frame(void) {
  return iend - ipos >= 4 && iend - ipos - 4 >= be32(ibuf + ipos);
}

/* Frames go to fd 3 through obuf: a primary writes a batch of packets' frames
 * with one write (flush_frames), after flushing its outputs up to the frames'
 * marks, so no mark ever names bytes a crash could still lose. */
#define BATCH_FRAMES 32
#define BATCH_BYTES (256u << 10)
static msgpack_sbuffer obuf;
static unsigned batched; /* frames in obuf */
static int batching;     /* a primary, SA_BATCH not 0: frames wait for flush_frames */
static int batch_allowed = 1;
static int applied_burst; /* SA_APPLIED=burst: one cumulative `applied` per burst of buffered frames */

static void send_frame(const msgpack_sbuffer *body) {
  unsigned char hdr[4] = {(unsigned char)(body->size >> 24), (unsigned char)(body->size >> 16),
                          (unsigned char)(body->size >> 8), (unsigned char)body->size};
  msgpack_sbuffer_write(&obuf, (const char *)hdr, 4);
  msgpack_sbuffer_write(&obuf, body->data, body->size);
  batched++;
}

static void flush_outputs(void);

/* Writes the batched frames: the outputs first, then the frames. */
static void flush_frames(void) {
  if (batched == 0) return;
  flush_outputs();
  write_all(FD_OUT, obuf.data, obuf.size);
  obuf.size = 0;
  batched = 0;
}

/* After a frame: write now unless batching and the batch has room. */
static void frame_done(void) {
  if (!batching || batched >= BATCH_FRAMES || obuf.size >= BATCH_BYTES) flush_frames();
}

static void pack_key(msgpack_packer *pk, const char *k) {
  msgpack_pack_str(pk, strlen(k));
  msgpack_pack_str_body(pk, k, strlen(k));
}

static void send_seq_frame(const char *t, uint64_t s) {
  msgpack_sbuffer b;
  msgpack_packer pk;
  msgpack_sbuffer_init(&b);
  msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, 2);
  pack_key(&pk, "t");
  pack_key(&pk, t);
  pack_key(&pk, "seq");
  msgpack_pack_uint64(&pk, s);
  send_frame(&b);
  msgpack_sbuffer_destroy(&b);
  flush_frames();
}

/* Reads one frame from fd 4 into *u (its body copied to *buf); 0 at a clean end of stream. */
static int recv_frame(msgpack_unpacked *u, char **buf) {
  uint64_t at = in_offset;
  if (!in_fill(4)) return 0;
  uint32_t n = be32(ibuf + ipos);
  if (n > SA_FRAME_LIMIT)
    sa_fail(NULL, "fd 4: frame of %u bytes at stream offset %" PRIu64 " exceeds the limit", n, at);
  if (!in_fill(4 + (size_t)n)) sa_fail(NULL, "fd 4: frame cut off at stream offset %" PRIu64, at);
  *buf = __real_malloc(n ? n : 1);
  if (*buf == NULL) sa_fail(NULL, "out of memory");
  memcpy(*buf, ibuf + ipos + 4, n);
  ipos += 4 + (size_t)n;
  in_offset += 4 + (uint64_t)n;
  size_t off = 0;
  if (msgpack_unpack_next(u, *buf, n, &off) != MSGPACK_UNPACK_SUCCESS || off != n ||
      u->data.type != MSGPACK_OBJECT_MAP)
    sa_fail(NULL, "fd 4: undecodable frame at stream offset %" PRIu64, at);
  return 1;
}

static const msgpack_object *field(const msgpack_object *map, const char *k) {
  for (uint32_t i = 0; i < map->via.map.size; i++) {
    const msgpack_object_kv *kv = &map->via.map.ptr[i];
    if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == strlen(k) &&
        memcmp(kv->key.via.str.ptr, k, kv->key.via.str.size) == 0)
      return &kv->val;
  }
  return NULL;
}

static int is_str(const msgpack_object *o, const char *s) {
  return o != NULL && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
         memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

/* ---------------------------------------------------------------- state */
/* Encodes the chosen variables into e (fresh ids). */
static void encode_vars(sa_enc *e, const unsigned char *groups) {
  sa_enc_reset(e);
  uint32_t n = 0;
  for (int i = 0; i < sa_nvars; i++) n += groups == NULL || groups[sa_vars[i].group];
  msgpack_pack_map(&e->pk, n + 1);
  for (int i = 0; i < sa_nvars; i++) {
    if (groups != NULL && !groups[sa_vars[i].group]) continue;
    sa_enc_begin_var(e, sa_vars[i].name);
    sa_vars[i].ser(e);
  }
  e->var = NULL;
  sa_enc_finish(e);
}

static uint64_t fnv1a(const char *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* Digest of all transferable state: addresses abstracted by the encoding. */
static uint64_t digest(void) {
  encode_vars(&scratch, NULL);
  return fnv1a(scratch.buf.data, scratch.buf.size);
}

static void write_digest(uint64_t s) {
  if (digest_out == NULL || (s % digest_every != 0 && digest_every > 1)) return;
  fprintf(digest_out, "%" PRIu64 " %016" PRIx64 "\n", s, digest());
  fflush(digest_out);
}

/* ---------------------------------------------------------------- output commit */
/* SA_OUTPUTS names the middlebox's output files; each frame carries their
 * cumulative sizes after its packet (`out`), and the harness cuts the
 * primary's outputs there after a failover, so they must be exact. An output
 * is *bound* once the runtime has found the one stdio stream writing it
 * (glibc's stream list, matched by device and inode): its mark is then the
 * stream's logical end, glibc's own count of the file position (`_offset`,
 * which every write of the stream advances once a seek has set it) plus the
 * bytes still buffered, read with no system call. Before a batch of frames
 * leaves (flush_frames) each bound stream is flushed by a seek to where it is,
 * which also checks the count against the kernel's position and the file's
 * size: bytes written around the stream (its fd used directly) would make
 * earlier marks wrong, so the runtime stops with an error rather than send
 * them (SA_MARKS=stat measures such a middlebox the old way). An unbound
 * output (no single stream found yet, `SA_MARKS=stat`, or a stream since
 * closed) is measured by fflush of every stream and stat of the file. */
#define MAX_OUTPUTS 16
struct output {
  char *path; /* NULL: an empty name in the list, always 0 */
  FILE *f;    /* bound stream, or NULL */
  int fd;
};
static struct output outs[MAX_OUTPUTS];
static int nouts;
static int out_unbound; /* outputs with a path and no stream */
static int marks_by_stat; /* SA_MARKS=stat: never bind */

#if defined(__GLIBC__)
/* glibc's exported iteration over its open streams (no public header declares them). */
typedef void *sa_io_iter;
extern sa_io_iter _IO_iter_begin(void);
extern sa_io_iter _IO_iter_end(void);
extern sa_io_iter _IO_iter_next(sa_io_iter);
extern FILE *_IO_iter_file(sa_io_iter);
extern void _IO_list_lock(void);
extern void _IO_list_unlock(void);

static int stream_open(const FILE *f) {
  int found = 0;
  _IO_list_lock();
  for (sa_io_iter i = _IO_iter_begin(); i != _IO_iter_end() && !found; i = _IO_iter_next(i))
    found = _IO_iter_file(i) == f;
  _IO_list_unlock();
  return found;
}

/* The one open stream writing the file (dev, ino), or NULL (none, or two). */
static FILE *find_stream(dev_t dev, ino_t ino) {
  FILE *hit = NULL;
  int n = 0;
  _IO_list_lock();
  for (sa_io_iter i = _IO_iter_begin(); i != _IO_iter_end(); i = _IO_iter_next(i)) {
    FILE *f = _IO_iter_file(i);
    struct stat st;
    int fd = fileno(f);
    if (fd < 0 || !__fwritable(f) || fstat(fd, &st) != 0 || st.st_dev != dev || st.st_ino != ino) continue;
    hit = f;
    n++;
  }
  _IO_list_unlock();
  return n == 1 ? hit : NULL;
}

/* A seek to where f is flushes it and has glibc count its position from here on
 * (any fflush forgets the count: the next mark or flush seeds it again). Locked. */
static int seed(FILE *f) {
  return fseeko(f, 0, SEEK_CUR) == 0 && f->_offset >= 0;
}

/* Bytes of o's file once its buffer is written: no system call while glibc counts. */
static uint64_t logical_end(struct output *o) {
  flockfile(o->f);
  int ok = o->f->_offset >= 0 || seed(o->f);
  uint64_t n = (uint64_t)o->f->_offset + __fpending(o->f);
  funlockfile(o->f);
  if (!ok) sa_fail(NULL, "output %s: cannot position its stream: %s", o->path, strerror(errno));
  return n;
}

/* Binds output o to its stream when there is exactly one and its position is its file's end. */
static void bind_output(struct output *o) {
  struct stat st, fst;
  if (stat(o->path, &st) != 0) return;
  FILE *f = find_stream(st.st_dev, st.st_ino);
  if (f == NULL) return;
  flockfile(f);
  int ok = seed(f) && fstat(fileno(f), &fst) == 0 && (uint64_t)f->_offset == (uint64_t)fst.st_size;
  funlockfile(f);
  if (!ok) return;
  o->f = f;
  o->fd = fileno(f);
  out_unbound--;
}

/* Still bound: the stream is open (a closed one wrote its bytes at its close; stat measures it). */
static int bound_ok(struct output *o) {
  if (o->f == NULL) return 0;
  if (stream_open(o->f) && fileno(o->f) == o->fd) return 1;
  o->f = NULL;
  out_unbound++;
  return 0;
}

/* Flushes a bound stream by a seek and checks glibc's count against the kernel's position and the file's size. */
static void flush_output(struct output *o) {
  struct stat st;
  flockfile(o->f);
  int64_t counted = o->f->_offset >= 0 ? (int64_t)o->f->_offset + (int64_t)__fpending(o->f) : -1;
  int sought = seed(o->f);
  int ok = sought && fstat(o->fd, &st) == 0 && (uint64_t)o->f->_offset == (uint64_t)st.st_size &&
           (counted < 0 || counted == (int64_t)o->f->_offset);
  int64_t at = o->f->_offset;
  funlockfile(o->f);
  if (!sought) sa_fail(NULL, "output %s: cannot write or position its stream: %s", o->path, strerror(errno));
  if (!ok)
    sa_fail(NULL, "output %s was written around its stdio stream (counted %" PRId64 " bytes, the file has %" PRId64
            "): its marks would not be exact; SA_MARKS=stat measures it by stat after every packet",
            o->path, counted, at);
}
#else
static int bound_ok(struct output *o) { (void)o; return 0; }
static void bind_output(struct output *o) { (void)o; }
static uint64_t logical_end(struct output *o) { (void)o; return 0; }
static void flush_output(struct output *o) { (void)o; }
#endif

static void parse_outputs(void) {
  const char *list = getenv("SA_OUTPUTS"), *how = getenv("SA_MARKS");
  marks_by_stat = how != NULL && strcmp(how, "stat") == 0;
  if (list == NULL || *list == '\0') return;
  for (const char *c = list;; c++) {
    const char *e = strchr(c, ':');
    size_t n = e ? (size_t)(e - c) : strlen(c);
    if (nouts == MAX_OUTPUTS) sa_fail(NULL, "SA_OUTPUTS names more than %d files", MAX_OUTPUTS);
    struct output *o = &outs[nouts++];
    o->fd = -1;
    if (n > 0) {
      if ((o->path = __real_malloc(n + 1)) == NULL) sa_fail(NULL, "out of memory");
      memcpy(o->path, c, n);
      o->path[n] = '\0';
      out_unbound++;
    }
    if (e == NULL) break;
    c = e;
  }
}

/* Cumulative sizes of the output files after this packet (SA_OUTPUTS). */
static void pack_outputs(msgpack_packer *pk) {
  msgpack_pack_array(pk, (uint32_t)nouts);
  if (nouts == 0) return;
  for (int i = 0; i < nouts && out_unbound > 0 && !marks_by_stat; i++)
    if (outs[i].path != NULL && outs[i].f == NULL) bind_output(&outs[i]);
  int flushed = 0;
  for (int i = 0; i < nouts; i++) {
    struct output *o = &outs[i];
    struct stat st;
    if (o->path == NULL) {
      msgpack_pack_uint64(pk, 0);
    } else if (bound_ok(o)) {
      msgpack_pack_uint64(pk, logical_end(o));
    } else {
      if (!flushed) fflush(NULL);
      flushed = 1;
      msgpack_pack_uint64(pk, stat(o->path, &st) == 0 ? (uint64_t)st.st_size : 0);
    }
  }
}

/* Before frames leave: the bound outputs' buffered bytes reach their files. */
static void flush_outputs(void) {
  for (int i = 0; i < nouts; i++)
    if (bound_ok(&outs[i])) flush_output(&outs[i]);
}

/* Sends enc's payload as a `t` frame. */
static void send_payload(const char *t) {
  msgpack_sbuffer b;
  msgpack_packer pk;
  msgpack_sbuffer_init(&b);
  msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, 6);
  pack_key(&pk, "t");
  pack_key(&pk, t);
  pack_key(&pk, "seq");
  msgpack_pack_uint64(&pk, seq);
  pack_key(&pk, "pkt");
  msgpack_pack_uint64(&pk, packets);
  pack_key(&pk, "model");
  pack_key(&pk, model_names[model]);
  pack_key(&pk, "payload");
  msgpack_pack_bin(&pk, enc.buf.size);
  msgpack_pack_bin_body(&pk, enc.buf.data, enc.buf.size);
  pack_key(&pk, "out");
  pack_outputs(&pk);
  send_frame(&b);
  msgpack_sbuffer_destroy(&b);
  frame_done();
}

static void export_frame(const char *t, const unsigned char *groups) {
  enc.persist = 0;
  encode_vars(&enc, groups);
  send_payload(t);
}

static int ngroups(void) {
  int n = 0;
  for (int i = 0; i < sa_nvars; i++)
    if (sa_vars[i].group + 1 > n) n = sa_vars[i].group + 1;
  return n;
}

/* ---------------------------------------------------------------- flowspace frames */
struct sel {
  int var, c;
  size_t off;
};

static int cmp_sel(const void *a, const void *b) {
  const struct sel *x = a, *y = b;
  if (x->var != y->var) return x->var < y->var ? -1 : 1;
  if (x->c != y->c) return x->c < y->c ? -1 : 1;
  return x->off < y->off ? -1 : x->off > y->off;
}

static unsigned char *sendv, *wholev;
static size_t *nselv;
static struct sa_cont *contv; /* MAX_CONTS per variable */
static int *ncontv;
static struct sel *selv;
static size_t capsel;

static void flowspace_buffers(void) {
  if (sendv != NULL) return;
  size_t n = sa_nvars > 0 ? (size_t)sa_nvars : 1;
  sendv = __real_calloc(n, 1);
  wholev = __real_calloc(n, 1);
  nselv = __real_calloc(n, sizeof *nselv);
  ncontv = __real_calloc(n, sizeof *ncontv);
  contv = __real_calloc(n * MAX_CONTS, sizeof *contv);
  if (!sendv || !wholev || !nselv || !ncontv || !contv) sa_fail(NULL, "out of memory");
}

/* The recorded addresses as (variable, container, element offset), sorted, unique. */
static size_t select_slots(void) {
  size_t n = 0, recorded = nslot < SLOT_LIMIT ? nslot : SLOT_LIMIT;
  for (size_t a = 0; a < recorded; a++) {
    uintptr_t p = (uintptr_t)slotv[a];
    for (int v = 0; v < sa_nvars; v++) {
      if (!sendv[v] || wholev[v]) continue;
      for (int c = 0; c < ncontv[v]; c++) {
        const struct sa_cont *k = &contv[v * MAX_CONTS + c];
        uintptr_t b = (uintptr_t)k->base;
        if (p < b || p - b >= k->size) continue;
        if (n == capsel) {
          capsel = capsel ? capsel * 2 : 1024;
          selv = __real_realloc(selv, capsel * sizeof *selv);
          if (selv == NULL) sa_fail(NULL, "out of memory");
        }
        selv[n++] = (struct sel){v, c, (p - b) / k->elem * k->elem};
        break;
      }
    }
  }
  if (n > 1) qsort(selv, n, sizeof *selv, cmp_sel);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || cmp_sel(&selv[u - 1], &selv[i]) != 0) selv[u++] = selv[i];
  return u;
}

/* A flowspace frame: unkeyed variables whole, keyed ones by the slots the packet
 * touched (whole when `full`, after a sweep, when a container cannot be described,
 * or when the slots are half of it). Heap blocks of sharing groups that hold a
 * slotted variable carry their pid; a group without one travels like `all`
 * (fresh objects, every member when any member's bit is set under
 * flowspace+updated, so its sharing survives). */
static void export_flowspace(const char *t, int full) {
  flowspace_buffers();
  sa_enc *e = &enc;
  sa_enc_reset(e);
  e->persist = 1;
  unsigned char gslots[256] = {0}, gbit[256] = {0};
  if (ngroups() > 256) sa_fail(NULL, "too many variable groups");
  for (int v = 0; v < sa_nvars; v++) {
    gslots[sa_vars[v].group] |= sa_vars[v].conts != NULL;
    gbit[sa_vars[v].group] |= sa_bits[sa_vars[v].bit];
  }
  for (int v = 0; v < sa_nvars; v++) {
    int g = sa_vars[v].group;
    sendv[v] = full || model != SA_FLOWSPACE_UPDATED || (gslots[g] ? sa_bits[sa_vars[v].bit] : gbit[g]);
    wholev[v] = full || sa_vars[v].conts == NULL || nslot > SLOT_LIMIT || sa_whole[v];
    nselv[v] = 0;
    ncontv[v] = 0;
    if (!sendv[v] || wholev[v]) continue;
    ncontv[v] = sa_vars[v].conts(&contv[v * MAX_CONTS], MAX_CONTS);
    for (int c = 0; c < ncontv[v]; c++)
      if (contv[v * MAX_CONTS + c].size == 0 || contv[v * MAX_CONTS + c].elem == 0) wholev[v] = 1;
  }
  size_t nsel = select_slots();
  for (size_t i = 0; i < nsel; i++) nselv[selv[i].var]++;
  uint32_t entries = 2 + (full ? 1 : 0), slotvars = 0;
  for (int v = 0; v < sa_nvars; v++) {
    if (!sendv[v] || wholev[v] || nselv[v] == 0) continue;
    size_t elems = 0; /* whole is smaller once the slots are half the container */
    for (int c = 0; c < ncontv[v]; c++) elems += contv[v * MAX_CONTS + c].size / contv[v * MAX_CONTS + c].elem;
    if (nselv[v] * 2 > elems) wholev[v] = 1;
  }
  uint32_t shells = 0;
  for (int v = 0; v < sa_nvars; v++) {
    if (sendv[v] && wholev[v]) entries++;
    else if (sendv[v] && nselv[v] > 0) slotvars++;
    if (sendv[v] && !wholev[v] && sa_vars[v].shell_ser != NULL) shells++;
  }
  msgpack_pack_map(&e->pk, entries + (slotvars > 0) + (shells > 0));
  if (shells > 0) {
    msgpack_pack_str(&e->pk, 1);
    msgpack_pack_str_body(&e->pk, "%", 1);
    msgpack_pack_map(&e->pk, shells);
    e->persist_now = 1;
    for (int v = 0; v < sa_nvars; v++) {
      if (!sendv[v] || wholev[v] || sa_vars[v].shell_ser == NULL) continue;
      sa_enc_begin_var(e, sa_vars[v].name);
      sa_vars[v].shell_ser(e);
    }
  }
  if (full) {
    msgpack_pack_str(&e->pk, 1);
    msgpack_pack_str_body(&e->pk, "!", 1);
    msgpack_pack_true(&e->pk);
  }
  for (int v = 0; v < sa_nvars; v++) {
    if (!sendv[v] || !wholev[v]) continue;
    sa_enc_begin_var(e, sa_vars[v].name);
    e->persist_now = gslots[sa_vars[v].group];
    sa_vars[v].ser(e);
  }
  e->persist_now = 1;
  if (slotvars > 0) {
    msgpack_pack_str(&e->pk, 1);
    msgpack_pack_str_body(&e->pk, "$", 1);
    msgpack_pack_map(&e->pk, slotvars);
    for (size_t i = 0; i < nsel;) {
      int v = selv[i].var;
      size_t j = i;
      while (j < nsel && selv[j].var == v) j++;
      if (sendv[v] && !wholev[v]) {
        sa_enc_begin_var(e, sa_vars[v].name);
        msgpack_pack_array(&e->pk, (uint32_t)(3 * (j - i)));
        for (size_t k = i; k < j; k++) {
          const struct sa_cont *c = &contv[v * MAX_CONTS + selv[k].c];
          msgpack_pack_uint64(&e->pk, (uint64_t)selv[k].c);
          msgpack_pack_uint64(&e->pk, (uint64_t)selv[k].off);
          c->ser(e, (const char *)c->base + selv[k].off);
        }
      }
      i = j;
    }
  }
  e->var = NULL;
  sa_enc_finish(e);
  send_payload(t);
}

/* Standby: writes each slot's element into its own container. */
static void import_slots(const msgpack_object *m) {
  if (m->type != MSGPACK_OBJECT_MAP) sa_fail(NULL, "bad state payload: slots are not a map");
  struct sa_cont cs[MAX_CONTS];
  for (uint32_t i = 0; i < m->via.map.size; i++) {
    const msgpack_object *k = &m->via.map.ptr[i].key, *l = &m->via.map.ptr[i].val;
    int v = 0;
    while (v < sa_nvars && !is_str(k, sa_vars[v].name)) v++;
    if (v == sa_nvars || sa_vars[v].conts == NULL)
      sa_fail(NULL, "fd 4: state payload has slots of a variable without slot selection");
    const char *name = sa_vars[v].name;
    if (l->type != MSGPACK_OBJECT_ARRAY || l->via.array.size % 3 != 0)
      sa_fail(name, "bad state payload: slots are not (container, offset, value) triples");
    int n = sa_vars[v].conts(cs, MAX_CONTS);
    const msgpack_object *a = l->via.array.ptr;
    for (uint32_t j = 0; j < l->via.array.size; j += 3) {
      if (a[j].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[j + 1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
          a[j].via.u64 >= (uint64_t)n)
        sa_fail(name, "bad state payload: slot names no container");
      const struct sa_cont *c = &cs[a[j].via.u64];
      uint64_t off = a[j + 1].via.u64;
      if (c->elem == 0 || off % c->elem != 0 || off >= c->size || c->size - off < c->elem)
        sa_fail(name, "bad state payload: slot offset %" PRIu64 " outside its container (%zu bytes)", off, c->size);
      dec.var = name;
      c->imp(&dec, &a[j + 2], (char *)c->base + off);
    }
  }
}

/* Standby: the other members of struct variables sent by slots. */
static void import_shells(const msgpack_object *m) {
  if (m->type != MSGPACK_OBJECT_MAP) sa_fail(NULL, "bad state payload: shells are not a map");
  for (uint32_t i = 0; i < m->via.map.size; i++) {
    int v = 0;
    while (v < sa_nvars && !is_str(&m->via.map.ptr[i].key, sa_vars[v].name)) v++;
    if (v == sa_nvars || sa_vars[v].shell_imp == NULL)
      sa_fail(NULL, "fd 4: state payload has a shell of a variable without one");
    dec.var = sa_vars[v].name;
    sa_vars[v].shell_imp(&dec, &m->via.map.ptr[i].val);
  }
}

/* Which variable groups this packet's frame carries under the model. */
static void choose_groups(unsigned char *groups, int ngroups) {
  memset(groups, model == SA_FLOWSPACE_UPDATED ? 0 : 1, (size_t)ngroups);
  if (model != SA_FLOWSPACE_UPDATED) return;
  for (int i = 0; i < sa_nvars; i++)
    if (sa_bits[sa_vars[i].bit]) groups[sa_vars[i].group] = 1;
}


/* Primary: answer a pending snapshot-request without blocking (the snapshot joins the batch). */
static void poll_requests(void) {
  while (in_open) {
    struct pollfd pfd = {FD_IN, POLLIN, 0};
    if (!in_has_frame() && (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & (POLLIN | POLLHUP)))) return;
    msgpack_unpacked u;
    char *buf = NULL;
    msgpack_unpacked_init(&u);
    if (!recv_frame(&u, &buf)) {
      in_open = 0;
    } else if (is_str(field(&u.data, "t"), "snapshot-request")) {
      if (model == SA_ALL) export_frame("snapshot", NULL);
      else export_flowspace("snapshot", 1);
    } else {
      sa_fail(NULL, "fd 4: unexpected frame for a primary middlebox at stream offset %" PRIu64,
              in_offset);
    }
    msgpack_unpacked_destroy(&u);
    __real_free(buf);
  }
}

static void export_packet(void) {
  unsigned char groups[256] = {0};
  int ng = ngroups();
  if (ng > 256) sa_fail(NULL, "too many variable groups");
  choose_groups(groups, ng);
  seq++;
  if (model == SA_ALL) {
    export_frame("state", groups);
  } else {
    export_flowspace("state", full_next);
    full_next = 0;
  }
  nslot = 0;
  memset(sa_whole, 0, (size_t)sa_nvars);
  write_digest(seq);
  for (int i = 0; i < sa_nvars; i++) sa_bits[sa_vars[i].bit] = 0;
  poll_requests(); /* here, between packets: a snapshot is a packet boundary's state */
}

static void install(const msgpack_object *payload) {
  if (payload == NULL || payload->type != MSGPACK_OBJECT_BIN)
    sa_fail(NULL, "fd 4: state frame without a payload (stream offset %" PRIu64 ")", in_offset);
  msgpack_unpacked u;
  msgpack_unpacked_init(&u);
  size_t off = 0;
  if (msgpack_unpack_next(&u, payload->via.bin.ptr, payload->via.bin.size, &off) !=
          MSGPACK_UNPACK_SUCCESS ||
      u.data.type != MSGPACK_OBJECT_MAP)
    sa_fail(NULL, "fd 4: undecodable state payload (stream offset %" PRIu64 ")", in_offset);
  const msgpack_object_map *m = &u.data.via.map;
  const msgpack_object *objs = NULL, *pids = NULL;
  int reset = 0;
  for (uint32_t i = 0; i < m->size; i++) {
    if (is_str(&m->ptr[i].key, "")) objs = &m->ptr[i].val;
    if (is_str(&m->ptr[i].key, "@")) pids = &m->ptr[i].val;
    if (is_str(&m->ptr[i].key, "!")) reset = 1;
  }
  if (reset || pids == NULL) sa_map_clear(&dec.pmap); /* a full frame, or fresh objects: no pid survives */
  sa_dec_begin(&dec, objs, pids);
  for (uint32_t i = 0; i < m->size; i++) {
    const msgpack_object *k = &m->ptr[i].key;
    int found = is_str(k, "") || is_str(k, "@") || is_str(k, "!");
    if (is_str(k, "$")) {
      import_slots(&m->ptr[i].val);
      found = 1;
    }
    if (is_str(k, "%")) {
      import_shells(&m->ptr[i].val);
      found = 1;
    }
    for (int v = 0; v < sa_nvars && !found; v++)
      if (is_str(k, sa_vars[v].name)) {
        dec.var = sa_vars[v].name;
        sa_vars[v].imp(&dec, &m->ptr[i].val);
        found = 1;
      }
    if (!found) sa_fail(NULL, "fd 4: state payload names a variable this build does not have");
  }
  dec.var = NULL;
  sa_dec_finish(&dec);
  msgpack_unpacked_destroy(&u);
  if (sa_imported_live() > gc_threshold) { /* free what replaced variables held */
    encode_vars(&scratch, NULL);
    sa_collect(&scratch.ids);
    sa_dec_prune(&dec);
    gc_threshold = 2 * sa_imported_live() + 4096;
  }
}

/* Standby: import frames until takeover (then go live) or end of stream (exit). */
static void standby_import(void) {
  int unacked = 0; /* SA_APPLIED=burst: frames applied and not yet reported (`applied` is cumulative) */
  for (;;) {
    msgpack_unpacked u;
    char *buf = NULL;
    /* Report before a read that may wait; frames already buffered are applied first. */
    if (unacked && !in_has_frame()) {
      send_seq_frame("applied", seq);
      unacked = 0;
    }
    msgpack_unpacked_init(&u);
    if (!recv_frame(&u, &buf)) {
      fflush(NULL);
      _exit(0); /* the agent closed the link: nothing more to become */
    }
    const msgpack_object *t = field(&u.data, "t"), *s = field(&u.data, "seq");
    if (s == NULL || s->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
      sa_fail(NULL, "fd 4: frame without a seq at stream offset %" PRIu64, in_offset);
    uint64_t fs = s->via.u64;
    if (is_str(t, "state") || is_str(t, "snapshot")) {
      install(field(&u.data, "payload"));
      seq = fs;
      if (applied_burst) unacked = 1;
      else send_seq_frame("applied", fs);
      write_digest(fs);
    } else if (is_str(t, "takeover")) {
      if (unacked) send_seq_frame("applied", seq);
      send_seq_frame("live", fs);
      msgpack_unpacked_destroy(&u);
      __real_free(buf);
      mode = SA_PRIMARY; /* live: our own packets now; later frames continue the numbering */
      batching = batch_allowed;
      seq = fs;
      start_recording();
      full_next = 1;
      return;
    } else {
      sa_fail(NULL, "fd 4: unexpected frame for a standby middlebox at stream offset %" PRIu64,
              in_offset);
    }
    msgpack_unpacked_destroy(&u);
    __real_free(buf);
  }
}

/* ---------------------------------------------------------------- hooks */
void sa_end_packet(void) {
  if (mode == SA_OFF) return;
  if (mode == SA_STANDBY) {
    standby_import();
    pending = 0;
    return;
  }
  if (!pending) return;
  pending = 0;
  packets++;
  export_packet();
}

/* The receive hooks: sa_pcap_next_fn and sa_pcap_next_ex_fn point here unless
 * --sa-mode is off, when they hold pcap_next and pcap_next_ex themselves. */
const u_char *(*sa_pcap_next_fn)(pcap_t *, struct pcap_pkthdr *) = pcap_next;
int (*sa_pcap_next_ex_fn)(pcap_t *, struct pcap_pkthdr **, const u_char **) = pcap_next_ex;

/* The next packet is already in the savefile's stdio buffer (classic pcap only:
 * its record header says how long the record is). */
static int record_buffered(pcap_t *p, FILE *f) {
#if defined(__GLIBC__)
  if (pcap_major_version(p) != 2 || f->_IO_read_ptr == NULL) return 0;
  size_t have = (size_t)(f->_IO_read_end - f->_IO_read_ptr);
  if (have < 16) return 0;
  uint32_t caplen;
  memcpy(&caplen, f->_IO_read_ptr + 8, 4);
  if (pcap_is_swapped(p)) caplen = __builtin_bswap32(caplen);
  return have - 16 >= caplen;
#else
  (void)p, (void)f;
  return 0;
#endif
}

/* Before a receive that may wait for input, the batched frames leave: the agent
 * must not wait for frames of packets already processed while we wait for it. */
static void before_receive(pcap_t *p) {
  if (mode != SA_PRIMARY || batched == 0) return;
  FILE *f = pcap_file(p);
  if (f != NULL && batched < BATCH_FRAMES) {
    if (record_buffered(p, f)) return;
    struct pollfd pfd = {fileno(f), POLLIN, 0};
    if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) return;
  }
  flush_frames();
}

static const u_char *hooked_pcap_next(pcap_t *p, struct pcap_pkthdr *h) {
  sa_end_packet();
  before_receive(p);
  const u_char *r = pcap_next(p, h);
  pending = r != NULL;
  return r;
}

static int hooked_pcap_next_ex(pcap_t *p, struct pcap_pkthdr **h, const u_char **d) {
  sa_end_packet();
  before_receive(p);
  int r = pcap_next_ex(p, h, d);
  pending = r == 1;
  return r;
}

struct tramp {
  pcap_handler cb;
  u_char *user;
  pcap_t *p;
};

/* Entry of the callback: the previous packet ends here. */
static void callback_entry(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  const struct tramp *t = (const struct tramp *)user;
  sa_end_packet();
  pending = 1;
  t->cb(t->user, h, bytes);
  before_receive(t->p); /* the library reads the next packet when we return */
}

int sa_pcap_loop(pcap_t *p, int cnt, pcap_handler cb, u_char *user) {
  if (mode == SA_OFF) return pcap_loop(p, cnt, cb, user);
  /* A standby imports until takeover before the library blocks on its first packet. */
  if (mode == SA_STANDBY) sa_end_packet();
  struct tramp t = {cb, user, p};
  int r = pcap_loop(p, cnt, callback_entry, (u_char *)&t);
  sa_end_packet(); /* loop exit */
  flush_frames();
  return r;
}

int sa_pcap_dispatch(pcap_t *p, int cnt, pcap_handler cb, u_char *user) {
  if (mode == SA_OFF) return pcap_dispatch(p, cnt, cb, user);
  if (mode == SA_STANDBY) sa_end_packet();
  struct tramp t = {cb, user, p};
  int r = pcap_dispatch(p, cnt, callback_entry, (u_char *)&t);
  sa_end_packet();
  flush_frames();
  return r;
}

/* ---------------------------------------------------------------- start/stop */
static void at_exit(void) {
  if (mode == SA_PRIMARY) {
    sa_end_packet();
    flush_frames();
  }
  if (getenv("SA_STATS") != NULL)
    fprintf(stderr, "statelab runtime: packets=%" PRIu64 " marks=%lu marks_per_packet=%.3f raw_pointers=%lu\n",
            packets, sa_marks_executed, packets ? (double)sa_marks_executed / (double)packets : 0.0,
            sa_raw_pointers);
}

static int pick(const char *v, const char *const *names, int n, const char *opt) {
  for (int i = 0; i < n; i++)
    if (strcmp(v, names[i]) == 0) return i;
  fprintf(stderr, "statelab runtime: bad %s '%s'\n", opt, v);
  exit(2);
}

/* Removes --sa-mode X / --sa-model X (or =X) from argv. */
static int strip_args(int argc, char **argv) {
  static const char *const modes[] = {"off", "primary", "standby"};
  int out = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = NULL;
    int which = strncmp(a, "--sa-model", 10) == 0 ? 2 : strncmp(a, "--sa-mode", 9) == 0 ? 1 : 0;
    if (which != 0) {
      const char *rest = a + (which == 2 ? 10 : 9);
      if (*rest == '=') v = rest + 1;
      else if (*rest == '\0' && i + 1 < argc) v = argv[++i];
      else which = 0;
    }
    if (which == 1) mode = pick(v, modes, 3, "--sa-mode");
    else if (which == 2) model = pick(v, model_names, 3, "--sa-model");
    else argv[out++] = argv[i];
  }
  argv[out] = NULL;
  return out;
}

int main(int argc, char **argv) {
  argc = strip_args(argc, argv);
  if (mode != SA_OFF) {
    if (fcntl(FD_OUT, F_GETFD) < 0) {
      fprintf(stderr, "statelab runtime: --sa-mode needs fd 3 (frames to the agent) open\n");
      return 2;
    }
    in_open = fcntl(FD_IN, F_GETFD) >= 0;
    if (mode == SA_STANDBY && !in_open) {
      fprintf(stderr, "statelab runtime: --sa-mode standby needs fd 4 (frames from the agent) open\n");
      return 2;
    }
    sa_heap.slots = NULL;
    sa_map_init(&sa_heap);
    sa_start_tracking();
    sa_pcap_next_fn = hooked_pcap_next;
    sa_pcap_next_ex_fn = hooked_pcap_next_ex;
    sa_enc_init(&enc);
    sa_enc_init(&scratch);
    sa_dec_init(&dec);
    msgpack_sbuffer_init(&obuf);
    parse_outputs();
    const char *b = getenv("SA_BATCH");
    batch_allowed = b == NULL || strcmp(b, "0") != 0;
    const char *a = getenv("SA_APPLIED");
    applied_burst = a != NULL && strcmp(a, "burst") == 0;
    if (mode == SA_PRIMARY) {
      start_recording();
      batching = batch_allowed;
    }
    (void)fcntl(FD_OUT, F_SETPIPE_SZ, 1 << 20); /* fewer wake-ups of both ends; a failure costs only speed */
    const char *df = getenv("SA_DIGEST_FILE");
    if (df != NULL && (digest_out = fopen(df, "w")) == NULL) {
      fprintf(stderr, "statelab runtime: cannot write SA_DIGEST_FILE %s\n", df);
      return 2;
    }
    const char *every = getenv("SA_DIGEST_EVERY");
    if (every != NULL && atol(every) > 0) digest_every = (unsigned long)atol(every);
  }
  atexit(at_exit);
  return sa_mbox_main(argc, argv);
}
