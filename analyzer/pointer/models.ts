// Library models as data: what a C library call does to points-to facts and memory.
// Indices are argument positions; "objects of arg i" means what arg i points to, with its fields.

/** What the returned pointer may point to. */
export type RetSpec =
  /** A fresh heap object named by the call site (or by the allocation wrapper's call site). */
  | 'alloc'
  /** Into the object argument i points to (memcpy, strchr ...). */
  | { arg: number }
  /** A library-owned object, one per call site (pcap-buffer, FILE, pcap-handle). */
  | { obj: string }
  /** One library-owned object for the whole program (inet_ntoa's static buffer). */
  | { named: string }
  /** What a library-internal slot holds (strtok's saved position). */
  | { slot: string }
  /** What argument i points to holds (strtok_r's *saveptr). */
  | { deref: number };

/** Argument passed to a callback the library makes. */
export type CallbackArg = { arg: number } | { obj: string } | 'none';

export interface LibModel {
  ret?: RetSpec[];
  /** [dst, src]: the objects of arg dst (or the returned fresh object) receive the contents of the objects of arg src. */
  copies?: [number | 'ret', number][];
  /** *arg ∋ &object-per-call-site: pcap_next_ex's header and data out-parameters, posix_memalign. */
  outObj?: { arg: number; obj: string | 'alloc' }[];
  /** *arg ∋ value of arg `value` (strtol's end pointer into its string). */
  stores?: { arg: number; value: number }[];
  /** The library keeps argument `arg` in an internal slot (strtok, signal). */
  saves?: { arg: number; slot: string }[];
  /** Objects read / written: argument indices, or `{ from: i }` for arg i and every later (variadic) one. */
  reads?: (number | { from: number })[];
  writes?: (number | { from: number })[];
  /** Calls the library makes to a function pointer argument (deref: the pointer sits inside the object arg points to). */
  callbacks?: { fn: number; deref?: boolean; args: CallbackArg[] }[];
}

const rd = (...a: number[]): LibModel => ({ reads: a });
const retArg = (i: number, m: LibModel = {}): LibModel => ({ ret: [{ arg: i }], ...m });
const copyInto = (d: number, s: number, extraReads: number[] = []): LibModel =>
  ({ ret: [{ arg: d }], copies: [[d, s]], reads: [s, ...extraReads], writes: [d] });
const PURE: LibModel = {};
const ALLOC: LibModel = { ret: ['alloc'] };

/** The table. Names with a `__builtin_` or `__` + `_chk` wrapper are looked up by their plain name. */
export const LIBRARY_MODELS: Readonly<Record<string, LibModel>> = {
  // allocation
  malloc: ALLOC, calloc: ALLOC, valloc: ALLOC, aligned_alloc: ALLOC, pvalloc: ALLOC, memalign: ALLOC,
  realloc: { ret: ['alloc', { arg: 0 }], copies: [['ret', 0]], reads: [0], writes: [0] },
  reallocarray: { ret: ['alloc', { arg: 0 }], copies: [['ret', 0]], reads: [0], writes: [0] },
  strdup: { ret: ['alloc'], copies: [['ret', 0]], reads: [0] },
  strndup: { ret: ['alloc'], copies: [['ret', 0]], reads: [0] },
  posix_memalign: { outObj: [{ arg: 0, obj: 'alloc' }], writes: [0] },
  free: { writes: [0] },
  // memory and strings
  memcpy: copyInto(0, 1), memmove: copyInto(0, 1), mempcpy: copyInto(0, 1),
  memset: retArg(0, { writes: [0] }), bzero: { writes: [0] }, explicit_bzero: { writes: [0] },
  memcmp: rd(0, 1), bcmp: rd(0, 1),
  memchr: retArg(0, { reads: [0] }), memrchr: retArg(0, { reads: [0] }), memmem: retArg(0, { reads: [0, 2] }),
  strcpy: copyInto(0, 1), strncpy: copyInto(0, 1), stpcpy: copyInto(0, 1), stpncpy: copyInto(0, 1),
  strcat: copyInto(0, 1, [0]), strncat: copyInto(0, 1, [0]), strlcpy: copyInto(0, 1), strlcat: copyInto(0, 1, [0]),
  strcmp: rd(0, 1), strncmp: rd(0, 1), strcasecmp: rd(0, 1), strncasecmp: rd(0, 1), strcoll: rd(0, 1),
  strlen: rd(0), strnlen: rd(0), strspn: rd(0, 1), strcspn: rd(0, 1),
  strchr: retArg(0, { reads: [0] }), strrchr: retArg(0, { reads: [0] }), strchrnul: retArg(0, { reads: [0] }),
  strstr: retArg(0, { reads: [0, 1] }), strcasestr: retArg(0, { reads: [0, 1] }), strpbrk: retArg(0, { reads: [0, 1] }),
  strsep: { ret: [{ deref: 0 }], reads: [0, 1], writes: [0] },
  strtok: { ret: [{ arg: 0 }, { slot: 'strtok' }], saves: [{ arg: 0, slot: 'strtok' }], reads: [0, 1], writes: [0] },
  strtok_r: { ret: [{ arg: 0 }, { deref: 2 }], stores: [{ arg: 2, value: 0 }], reads: [0, 1, 2], writes: [0, 2] },
  strerror: { ret: [{ named: 'strerror-buffer' }] },
  atoi: rd(0), atol: rd(0), atoll: rd(0), atof: rd(0),
  strtol: { stores: [{ arg: 1, value: 0 }], reads: [0], writes: [1] },
  strtoul: { stores: [{ arg: 1, value: 0 }], reads: [0], writes: [1] },
  strtoll: { stores: [{ arg: 1, value: 0 }], reads: [0], writes: [1] },
  strtoull: { stores: [{ arg: 1, value: 0 }], reads: [0], writes: [1] },
  strtod: { stores: [{ arg: 1, value: 0 }], reads: [0], writes: [1] },
  tolower: PURE, toupper: PURE, isdigit: PURE, isalpha: PURE, isspace: PURE, isalnum: PURE, isprint: PURE, isxdigit: PURE,
  // formatted and stream I/O
  printf: { reads: [{ from: 0 }] }, vprintf: rd(0),
  fprintf: { reads: [{ from: 0 }], writes: [0] }, vfprintf: { reads: [0, 1], writes: [0] },
  dprintf: { reads: [{ from: 1 }] },
  sprintf: { reads: [{ from: 1 }], writes: [0] }, snprintf: { reads: [{ from: 2 }], writes: [0] },
  vsprintf: { reads: [1], writes: [0] }, vsnprintf: { reads: [2], writes: [0] },
  sscanf: { reads: [0, 1], writes: [{ from: 2 }] }, scanf: { reads: [0], writes: [{ from: 1 }] },
  fscanf: { reads: [0, 1], writes: [0, { from: 2 }] },
  puts: rd(0), putchar: PURE, fputs: { reads: [0], writes: [1] }, fputc: { writes: [1] }, putc: { writes: [1] },
  fwrite: { reads: [0], writes: [3] }, fread: { writes: [0, 3] }, fflush: { writes: [0] },
  fgets: retArg(0, { writes: [0, 2] }), fgetc: { writes: [0] }, getc: { writes: [0] }, getchar: PURE,
  fopen: { ret: [{ obj: 'FILE' }], reads: [0, 1] }, fdopen: { ret: [{ obj: 'FILE' }], reads: [1] },
  freopen: { ret: [{ arg: 2 }], reads: [0, 1], writes: [2] }, tmpfile: { ret: [{ obj: 'FILE' }] },
  popen: { ret: [{ obj: 'FILE' }], reads: [0, 1] }, fclose: { writes: [0] }, pclose: { writes: [0] },
  feof: rd(0), ferror: rd(0), fileno: rd(0), fseek: { writes: [0] }, ftell: rd(0), rewind: { writes: [0] },
  setvbuf: { writes: [0, 1] }, setbuf: { writes: [0, 1] }, perror: rd(0), syslog: { reads: [{ from: 1 }] },
  openlog: rd(0), closelog: PURE,
  // files, sockets, time
  open: rd(0), close: PURE, read: { writes: [1] }, write: rd(1), pread: { writes: [1] }, pwrite: rd(1),
  unlink: rd(0), access: rd(0), stat: { reads: [0], writes: [1] }, fstat: { writes: [1] },
  recv: { writes: [1] }, recvfrom: { writes: [1, 4, 5] }, recvmsg: { writes: [1] },
  send: rd(1), sendto: rd(1, 4), sendmsg: rd(1),
  socket: PURE, bind: rd(1), listen: PURE, accept: { writes: [1, 2] }, connect: rd(1), shutdown: PURE,
  setsockopt: rd(3), getsockopt: { writes: [3, 4] }, getsockname: { writes: [1, 2] }, getpeername: { writes: [1, 2] },
  select: { writes: [1, 2, 3, 4] }, poll: { writes: [0] }, fcntl: PURE, ioctl: { writes: [2] },
  htons: PURE, htonl: PURE, ntohs: PURE, ntohl: PURE,
  inet_ntoa: { ret: [{ named: 'inet_ntoa-buffer' }] },
  inet_ntop: retArg(2, { reads: [1], writes: [2] }), inet_pton: { reads: [1], writes: [2] },
  inet_addr: rd(0), inet_aton: { reads: [0], writes: [1] },
  getaddrinfo: { reads: [0, 1, 2], outObj: [{ arg: 3, obj: 'addrinfo' }], writes: [3] }, freeaddrinfo: { writes: [0] },
  gethostbyname: { ret: [{ named: 'hostent' }], reads: [0] },
  getenv: { ret: [{ named: 'environ' }], reads: [0] },
  time: { writes: [0] }, gettimeofday: { writes: [0, 1] }, clock_gettime: { writes: [1] }, clock: PURE,
  localtime: { ret: [{ named: 'tm-buffer' }], reads: [0] }, gmtime: { ret: [{ named: 'tm-buffer' }], reads: [0] },
  localtime_r: retArg(1, { reads: [0], writes: [1] }), gmtime_r: retArg(1, { reads: [0], writes: [1] }),
  ctime: { ret: [{ named: 'ctime-buffer' }], reads: [0] }, strftime: { reads: [2, 3], writes: [0] },
  mktime: { reads: [0], writes: [0] }, difftime: PURE, sleep: PURE, usleep: PURE, nanosleep: { reads: [0], writes: [1] },
  rand: PURE, srand: PURE, random: PURE, srandom: PURE, rand_r: { writes: [0] },
  abs: PURE, labs: PURE, exit: PURE, _exit: PURE, abort: PURE, assert: PURE, __assert_fail: rd(0, 1, 3),
  getpid: PURE, getopt: { reads: [1, 2], ret: [{ named: 'optarg' }] },
  fork: PURE, kill: PURE, raise: PURE, alarm: PURE, pause: PURE, setuid: PURE, setgid: PURE, chroot: rd(0), chdir: rd(0),
  // glibc internals and POSIX odds and ends seen in middleboxes
  __ctype_b_loc: { ret: [{ named: 'ctype-table' }] }, __ctype_tolower_loc: { ret: [{ named: 'ctype-table' }] },
  __ctype_toupper_loc: { ret: [{ named: 'ctype-table' }] }, __errno_location: { ret: [{ named: 'errno' }] },
  getline: { outObj: [{ arg: 0, obj: 'alloc' }], reads: [0, 1], writes: [0, 1, 2] },
  getdelim: { outObj: [{ arg: 0, obj: 'alloc' }], reads: [0, 1], writes: [0, 1, 3] },
  dirname: { ret: [{ arg: 0 }, { named: 'dirname-buffer' }], reads: [0], writes: [0] },
  basename: { ret: [{ arg: 0 }, { named: 'basename-buffer' }], reads: [0] },
  regcomp: { reads: [1], writes: [0] }, regexec: { reads: [0, 1], writes: [3] }, regfree: { writes: [0] },
  regerror: { reads: [1], writes: [2] }, sched_yield: PURE, pcap_set_immediate_mode: { writes: [0] },
  pcap_set_buffer_size: { writes: [0] }, pcap_setdirection: { writes: [0] }, pcap_is_swapped: rd(0),
  // compiler builtins that compute constants
  offsetof: PURE, expect: PURE, constant_p: PURE, unreachable: PURE, trap: PURE, bswap16: PURE, bswap32: PURE, bswap64: PURE,
  clz: PURE, ctz: PURE, popcount: PURE, object_size: PURE,
  // callbacks
  qsort: { callbacks: [{ fn: 3, args: [{ arg: 0 }, { arg: 0 }] }], reads: [0], writes: [0] },
  bsearch: { ret: [{ arg: 1 }], callbacks: [{ fn: 4, args: [{ arg: 0 }, { arg: 1 }] }], reads: [0, 1] },
  atexit: { callbacks: [{ fn: 0, args: [] }] },
  signal: { ret: [{ slot: 'signal-handlers' }], saves: [{ arg: 1, slot: 'signal-handlers' }], callbacks: [{ fn: 1, args: ['none'] }] },
  sigaction: { reads: [1], writes: [2], callbacks: [{ fn: 1, deref: true, args: ['none', 'none', 'none'] }] },
  sigemptyset: { writes: [0] }, sigaddset: { writes: [0] }, sigfillset: { writes: [0] },
  pthread_create: { writes: [0], callbacks: [{ fn: 2, args: [{ arg: 3 }] }] },
  pthread_join: { writes: [1] }, pthread_detach: PURE, pthread_self: PURE, pthread_exit: PURE,
  pthread_mutex_init: { writes: [0] }, pthread_mutex_lock: { writes: [0] }, pthread_mutex_unlock: { writes: [0] },
  pthread_mutex_destroy: { writes: [0] }, pthread_cond_wait: { writes: [0, 1] }, pthread_cond_signal: { writes: [0] },
  pthread_cond_broadcast: { writes: [0] }, pthread_cond_init: { writes: [0] },
  // libpcap: buffers belong to the handle; we name one abstract buffer per call site
  pcap_open_live: { ret: [{ obj: 'pcap-handle' }], reads: [0], writes: [4] },
  pcap_open_offline: { ret: [{ obj: 'pcap-handle' }], reads: [0], writes: [1] },
  pcap_fopen_offline: { ret: [{ obj: 'pcap-handle' }], reads: [0], writes: [1] },
  pcap_open_dead: { ret: [{ obj: 'pcap-handle' }] },
  pcap_create: { ret: [{ obj: 'pcap-handle' }], reads: [0], writes: [1] }, pcap_activate: { writes: [0] },
  pcap_set_snaplen: { writes: [0] }, pcap_set_promisc: { writes: [0] }, pcap_set_timeout: { writes: [0] },
  pcap_next: { ret: [{ obj: 'pcap-buffer' }], writes: [0, 1] },
  pcap_next_ex: { outObj: [{ arg: 1, obj: 'pcap-pkthdr' }, { arg: 2, obj: 'pcap-buffer' }], writes: [0, 1, 2] },
  pcap_loop: { writes: [0], callbacks: [{ fn: 2, args: [{ arg: 3 }, { obj: 'pcap-pkthdr' }, { obj: 'pcap-buffer' }] }] },
  pcap_dispatch: { writes: [0], callbacks: [{ fn: 2, args: [{ arg: 3 }, { obj: 'pcap-pkthdr' }, { obj: 'pcap-buffer' }] }] },
  pcap_inject: { reads: [1], writes: [0] }, pcap_sendpacket: { reads: [1], writes: [0] },
  pcap_dump_open: { ret: [{ obj: 'pcap-dumper' }], reads: [1], writes: [0] },
  pcap_dump: { reads: [1, 2], writes: [0] }, pcap_dump_flush: { writes: [0] }, pcap_dump_close: { writes: [0] },
  pcap_close: { writes: [0] }, pcap_breakloop: { writes: [0] },
  pcap_geterr: { ret: [{ named: 'pcap-errbuf' }], reads: [0] }, pcap_perror: rd(0, 1),
  pcap_compile: { reads: [0, 2], writes: [1] }, pcap_setfilter: { reads: [1], writes: [0] }, pcap_freecode: { writes: [0] },
  pcap_datalink: rd(0), pcap_snapshot: rd(0), pcap_stats: { reads: [0], writes: [1] }, pcap_fileno: rd(0),
  pcap_setnonblock: { writes: [0, 2] }, pcap_lookupdev: { ret: [{ named: 'pcap-devname' }], writes: [0] },
  pcap_findalldevs: { outObj: [{ arg: 0, obj: 'pcap-if' }], writes: [0, 1] }, pcap_freealldevs: { writes: [0] },
};

/** Library-internal spellings of the same functions (`__builtin_memcpy`, `__memcpy_chk`, `__isoc99_sscanf`). */
export function canonicalName(name: string): string {
  let n = name;
  if (n.startsWith('__builtin_')) n = n.slice('__builtin_'.length);
  if (n.startsWith('__isoc99_')) n = n.slice('__isoc99_'.length);
  const chk = /^__(\w+)_chk$/.exec(n);
  if (chk) n = chk[1]!;
  return n;
}

/** Look a function up in the user's extra models first, then the built-in table. */
export function lookupModel(name: string, extra?: Readonly<Record<string, LibModel>>): LibModel | undefined {
  if (extra && Object.hasOwn(extra, name)) return extra[name];
  const c = canonicalName(name);
  if (extra && Object.hasOwn(extra, c)) return extra[c];
  return Object.hasOwn(LIBRARY_MODELS, c) ? LIBRARY_MODELS[c] : undefined;
}
