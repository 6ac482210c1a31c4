/* sa_hooks.h — the few declarations an instrumented source needs before its
 * own code: the mark macro and the receive wrappers. No includes, so it can
 * open a file ahead of the file's own feature-test macros. */
#ifndef STATELAB_SA_HOOKS_H
#define STATELAB_SA_HOOKS_H

struct pcap;
struct pcap_pkthdr;
extern unsigned char sa_bits[];
extern unsigned long sa_marks_executed;
/* Set an updated bit (paper §5.2): one byte store. A build with
 * -DSA_COUNT_MARKS also counts executions for the marks-per-packet report. */
#ifdef SA_COUNT_MARKS
#define SA_MARK(k) (sa_bits[(k)] = 1, sa_marks_executed++)
#else
#define SA_MARK(k) (sa_bits[(k)] = 1)
#endif

/* Slot recording (flowspace entry selection): every subscript into a keyed
 * variable's container is rewritten to `(*SA_REC(&(B[i])))`, which notes the
 * element's address while a flowspace model runs. Off: one predictable branch.
 * On x86-64 the cold path calls the recorder from inline asm that declares no
 * clobbers (the recorder saves every register it touches): an ordinary call
 * there would clobber the caller-saved registers, so the hot path would keep
 * its live values in callee-saved ones and pay their saves on every call (lb's
 * lookups: ~12 instructions each), and the larger function would no longer be
 * inlined (synblock's queue). The asm steps over the red zone, which a leaf
 * function may be using, and clobbers memory so the compiler keeps it on its
 * side of the receive call that ends the packet. */
extern int sa_slot_on;
#if defined(__x86_64__)
static inline void *sa_rec_(const void *p) {
  if (__builtin_expect(sa_slot_on, 0))
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tcall sa_slot_record\n\tlea 128(%%rsp), %%rsp"
                     : : "D"(p) : "cc", "memory");
  return (void *)p;
}
#else
void sa_slot_record(const void *p);
static inline void *sa_rec_(const void *p) {
  if (__builtin_expect(sa_slot_on, 0)) sa_slot_record(p);
  return (void *)p;
}
#endif
#define SA_REC(p) ((__typeof__(p))sa_rec_((const void *)(p)))

/* A sweep loop (every slot of a container, indexed by the loop's counter) sets
 * the variable's whole flag once instead of recording each slot: one byte store. */
extern unsigned char sa_whole[];
#define SA_WHOLE(k) (sa_whole[(k)] = 1)

/* The middlebox's calls of pcap_next and pcap_next_ex are rewritten to call
 * through these pointers, set once at start-up: with --sa-mode off they hold
 * the library functions themselves (a call through a pointer costs what the
 * plain build's call through the PLT does), otherwise the runtime's hooks. */
extern const unsigned char *(*sa_pcap_next_fn)(struct pcap *p, struct pcap_pkthdr *h);
extern int (*sa_pcap_next_ex_fn)(struct pcap *p, struct pcap_pkthdr **h, const unsigned char **d);
int sa_pcap_loop(struct pcap *p, int cnt,
                 void (*cb)(unsigned char *, const struct pcap_pkthdr *, const unsigned char *),
                 unsigned char *user);
int sa_pcap_dispatch(struct pcap *p, int cnt,
                     void (*cb)(unsigned char *, const struct pcap_pkthdr *, const unsigned char *),
                     unsigned char *user);
/* Ends the packet in flight (export, or nothing); called at loop exit. */
void sa_end_packet(void);

#endif
