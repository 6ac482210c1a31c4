/* osfp.c — passive OS fingerprinting from TCP SYN and SYN+ACK packets with
 * p0f v2 signatures (`wwww:ttt:D:ss:OOO...:QQ:OS:Details`, PRADS os.fp /
 * osa.fp): loading, computing a packet's fingerprint, and matching. */
#include "assetmon.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbox_io.h"

#define MAXDIST 40          /* hops between a host and us that we accept */
#define OPT_T0 0xfe         /* timestamp option with a zero tsval */

/* Quirk bits (p0f v2 letters). */
#define Q_PAST 0x001   /* P: data past EOL in the options */
#define Q_ZEROID 0x002 /* Z: IP ID is zero */
#define Q_IPOPT 0x004  /* I: IP options present */
#define Q_URG 0x008    /* U: urgent pointer set */
#define Q_X2 0x010     /* X: reserved TCP bits set */
#define Q_ACK 0x020    /* A: ACK number set on a SYN */
#define Q_T2 0x040     /* T: second timestamp set on a SYN */
#define Q_FLAGS 0x080  /* F: unusual TCP flags */
#define Q_DATA 0x100   /* D: payload on a SYN */
#define Q_BROKEN 0x200 /* !: malformed options */
static const char QUIRK_CHARS[] = "PZIUXATFD!";

static int parse_uint(const char *s, uint32_t *v) {
  if (!isdigit((unsigned char)*s)) return -1;
  char *end;
  unsigned long x = strtoul(s, &end, 10);
  if (*end != '\0' || x > 0xffffffffu) return -1;
  *v = (uint32_t)x;
  return 0;
}

static int parse_window(const char *s, struct fp_sig *f) {
  if (strcmp(s, "*") == 0) { f->win_type = WIN_ANY; return 0; }
  if (*s == 'S') { f->win_type = WIN_MSS; return parse_uint(s + 1, &f->win); }
  if (*s == 'T') { f->win_type = WIN_MTU; return parse_uint(s + 1, &f->win); }
  if (*s == '%') {
    f->win_type = WIN_MOD;
    if (parse_uint(s + 1, &f->win) != 0 || f->win == 0) return -1;
    return 0;
  }
  f->win_type = WIN_EXACT;
  return parse_uint(s, &f->win);
}

/* "M*", "M1460", "W%2", "W7" → value type and value. */
static int parse_optval(const char *s, struct fp_sig *f, int k) {
  if (strcmp(s, "*") == 0) { f->optval_type[k] = VAL_ANY; return 0; }
  if (*s == '%') {
    f->optval_type[k] = VAL_MOD;
    if (parse_uint(s + 1, &f->optval[k]) != 0 || f->optval[k] == 0) return -1;
    return 0;
  }
  f->optval_type[k] = VAL_EXACT;
  return parse_uint(s, &f->optval[k]);
}

static int parse_options(char *s, struct fp_sig *f) {
  f->optcnt = 0;
  if (strcmp(s, ".") == 0) return 0;
  for (char *tok = strtok(s, ","); tok != NULL; tok = strtok(NULL, ",")) {
    if (f->optcnt >= FP_MAXOPT) return -1;
    int k = f->optcnt++;
    f->optval_type[k] = VAL_EXACT;
    if (strcmp(tok, "N") == 0) f->opt[k] = TCPOPT_NOP;
    else if (strcmp(tok, "E") == 0) f->opt[k] = TCPOPT_EOL;
    else if (strcmp(tok, "S") == 0) f->opt[k] = TCPOPT_SACK_PERMITTED;
    else if (strcmp(tok, "T") == 0) f->opt[k] = TCPOPT_TIMESTAMP;
    else if (strcmp(tok, "T0") == 0) f->opt[k] = OPT_T0;
    else if (tok[0] == 'M') { f->opt[k] = TCPOPT_MAXSEG; if (parse_optval(tok + 1, f, k)) return -1; }
    else if (tok[0] == 'W') { f->opt[k] = TCPOPT_WINDOW; if (parse_optval(tok + 1, f, k)) return -1; }
    else if (tok[0] == '?') {
      uint32_t kind;
      if (parse_uint(tok + 1, &kind) != 0 || kind > 255) return -1;
      f->opt[k] = (uint8_t)kind;
    } else return -1;
  }
  return 0;
}

static int parse_quirks(const char *s, uint32_t *q) {
  *q = 0;
  if (strcmp(s, ".") == 0) return 0;
  for (; *s; s++) {
    const char *c = strchr(QUIRK_CHARS, *s);
    if (c == NULL) return -1;
    *q |= 1u << (c - QUIRK_CHARS);
  }
  return 0;
}

/* Split at ':' into at most n fields; the last one keeps further colons. */
static int split_fields(char *s, char **fields, int n) {
  int k = 0;
  fields[k++] = s;
  while (k < n && (s = strchr(s, ':')) != NULL) {
    *s++ = '\0';
    fields[k++] = s;
  }
  return k;
}

static void parse_fp_line(const char *file, int lineno, char *s, struct fp_sig *f) {
  char *fld[8];
  char text[sizeof f->text];
  snprintf(text, sizeof text, "%s", s);
  if (split_fields(s, fld, 8) != 8)
    mbox_config_error(file, lineno, "expected 'wwww:ttt:D:ss:OOO...:QQ:OS:Details'");
  uint32_t v;
  if (parse_window(fld[0], f) != 0) mbox_config_error(file, lineno, "bad window '%s'", fld[0]);
  if (parse_uint(fld[1], &v) != 0 || v == 0 || v > 255)
    mbox_config_error(file, lineno, "bad TTL '%s'", fld[1]);
  f->ttl = (uint8_t)v;
  if (strcmp(fld[2], "0") != 0 && strcmp(fld[2], "1") != 0)
    mbox_config_error(file, lineno, "DF must be 0 or 1");
  f->df = fld[2][0] == '1';
  if (strcmp(fld[3], "*") == 0) f->size = -1;
  else if (parse_uint(fld[3], &v) != 0 || v > 65535)
    mbox_config_error(file, lineno, "bad size '%s'", fld[3]);
  else f->size = (int32_t)v;
  if (parse_options(fld[4], f) != 0) mbox_config_error(file, lineno, "bad option list");
  if (parse_quirks(fld[5], &f->quirks) != 0) mbox_config_error(file, lineno, "bad quirks '%s'", fld[5]);
  if (fld[6][0] == '\0') mbox_config_error(file, lineno, "empty OS name");
  snprintf(f->os, sizeof f->os, "%s", fld[6]);
  snprintf(f->desc, sizeof f->desc, "%s", fld[7]);
  /* Keep wwww:ttt:D:ss:OOO:QQ as written. */
  char *cut = text;
  for (int i = 0; i < 6 && cut != NULL; i++) cut = strchr(cut + (i ? 1 : 0), ':');
  if (cut != NULL) *cut = '\0';
  snprintf(f->text, sizeof f->text, "%s", text);
  f->line = lineno;
}

struct fp_sig *load_fingerprints(const char *file) {
  FILE *fh = fopen(file, "r");
  if (fh == NULL) mbox_die("assetmon: cannot read fingerprint file %s", file);
  struct fp_sig *head = NULL, **tail = &head;
  char line[512];
  int lineno = 0;
  while (fgets(line, sizeof line, fh)) {
    lineno++;
    if (strchr(line, '\n') == NULL && !feof(fh))
      mbox_config_error(file, lineno, "line too long");
    char *s = mbox_config_trim(line);
    if (*s == '\0') continue;
    struct fp_sig *f = calloc(1, sizeof *f);
    if (f == NULL) mbox_die("assetmon: out of memory");
    parse_fp_line(file, lineno, s, f);
    *tail = f;
    tail = &f->next;
  }
  fclose(fh);
  return head;
}

/* The packet's side of a fingerprint. */
struct pkt_fp {
  uint16_t win, mss;
  uint8_t ttl, df, has_mss;
  uint16_t size;
  uint8_t optcnt;
  uint8_t opt[FP_MAXOPT];
  uint32_t optval[FP_MAXOPT];
  uint32_t quirks;
};

static uint32_t be32(const u_char *b) {
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static void packet_fp(const struct pkt *p, struct pkt_fp *q) {
  memset(q, 0, sizeof *q);
  const struct tcphdr *t = p->tcp;
  q->win = ntohs(t->th_win);
  q->ttl = p->ip->ip_ttl;
  q->df = (ntohs(p->ip->ip_off) & IP_DF) != 0;
  q->size = (uint16_t)p->ip_len;
  struct pkt_tcp_opt o[FP_MAXOPT + 1];
  int n = pkt_tcp_options(p, o, FP_MAXOPT + 1);
  uint32_t used = 0;
  int eol = 0;
  for (int i = 0; i < n && q->optcnt < FP_MAXOPT; i++) {
    int k = q->optcnt++;
    q->opt[k] = o[i].kind;
    used += o[i].len;
    if (o[i].kind == TCPOPT_EOL) { eol = 1; break; }
    if (o[i].kind == TCPOPT_MAXSEG && o[i].len == 4) {
      q->mss = (uint16_t)((o[i].data[0] << 8) | o[i].data[1]);
      q->has_mss = 1;
      q->optval[k] = q->mss;
    } else if (o[i].kind == TCPOPT_WINDOW && o[i].len == 3) {
      q->optval[k] = o[i].data[0];
    } else if (o[i].kind == TCPOPT_TIMESTAMP && o[i].len == 10) {
      if (be32(o[i].data) == 0) q->opt[k] = OPT_T0;
      if (be32(o[i].data + 4) != 0 && !(t->th_flags & TH_ACK)) q->quirks |= Q_T2;
    }
  }
  uint32_t optlen = p->tcp_hlen - 20;
  if (eol) {
    /* Bytes after EOL should be zero padding. */
    const u_char *raw = (const u_char *)t + 20;
    for (uint32_t i = used; i < optlen; i++)
      if (raw[i] != 0) { q->quirks |= Q_PAST; break; }
  } else if (used < optlen) {
    q->quirks |= Q_BROKEN;
  }
  if (p->ip->ip_id == 0) q->quirks |= Q_ZEROID;
  if (p->ip_hlen > 20) q->quirks |= Q_IPOPT;
  if (t->th_urp != 0 && !(t->th_flags & TH_URG)) q->quirks |= Q_URG;
  if (t->th_x2 != 0) q->quirks |= Q_X2;
  if (t->th_ack != 0 && !(t->th_flags & TH_ACK)) q->quirks |= Q_ACK;
  if (t->th_flags & ~(TH_SYN | TH_ACK | 0xc0)) q->quirks |= Q_FLAGS; /* ECE/CWR are normal */
  if (p->payload_len > 0) q->quirks |= Q_DATA;
}

static int val_ok(uint8_t type, uint32_t want, uint32_t got) {
  if (type == VAL_ANY) return 1;
  if (type == VAL_MOD) return got % want == 0;
  return got == want;
}

static int sig_matches(const struct fp_sig *f, const struct pkt_fp *q) {
  if (q->ttl > f->ttl || q->ttl + MAXDIST <= f->ttl) return 0;
  if (q->df != f->df) return 0;
  if (f->size >= 0 && q->size != (uint32_t)f->size) return 0;
  if (q->optcnt != f->optcnt || q->quirks != f->quirks) return 0;
  switch (f->win_type) {
  case WIN_EXACT: if (q->win != f->win) return 0; break;
  case WIN_MSS: if (!q->has_mss || q->win != f->win * q->mss) return 0; break;
  case WIN_MTU: if (!q->has_mss || q->win != f->win * (q->mss + 40u)) return 0; break;
  case WIN_MOD: if (q->win % f->win != 0) return 0; break;
  default: break;
  }
  for (int i = 0; i < f->optcnt; i++) {
    if (q->opt[i] != f->opt[i]) return 0;
    if ((f->opt[i] == TCPOPT_MAXSEG || f->opt[i] == TCPOPT_WINDOW) &&
        !val_ok(f->optval_type[i], f->optval[i], q->optval[i]))
      return 0;
  }
  return 1;
}

static uint8_t initial_ttl(uint8_t ttl) {
  return ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

/* Render the packet's fingerprint in the signature syntax. */
static void format_fp(const struct pkt_fp *q, char *out, size_t n) {
  size_t o = 0;
  int k = snprintf(out, n, "%u:%u:%u:%u:", q->win, initial_ttl(q->ttl), q->df, q->size);
  if (k < 0) return;
  o = (size_t)k;
  if (q->optcnt == 0 && o < n) o += (size_t)snprintf(out + o, n - o, ".");
  for (int i = 0; i < q->optcnt && o < n; i++) {
    const char *sep = i ? "," : "";
    switch (q->opt[i]) {
    case TCPOPT_NOP: k = snprintf(out + o, n - o, "%sN", sep); break;
    case TCPOPT_EOL: k = snprintf(out + o, n - o, "%sE", sep); break;
    case TCPOPT_SACK_PERMITTED: k = snprintf(out + o, n - o, "%sS", sep); break;
    case TCPOPT_TIMESTAMP: k = snprintf(out + o, n - o, "%sT", sep); break;
    case OPT_T0: k = snprintf(out + o, n - o, "%sT0", sep); break;
    case TCPOPT_MAXSEG: k = snprintf(out + o, n - o, "%sM%u", sep, q->optval[i]); break;
    case TCPOPT_WINDOW: k = snprintf(out + o, n - o, "%sW%u", sep, q->optval[i]); break;
    default: k = snprintf(out + o, n - o, "%s?%u", sep, q->opt[i]);
    }
    if (k < 0) return;
    o += (size_t)k;
  }
  if (o < n) o += (size_t)snprintf(out + o, n - o, ":");
  if (q->quirks == 0 && o < n) o += (size_t)snprintf(out + o, n - o, ".");
  for (int b = 0; QUIRK_CHARS[b] && o + 1 < n; b++)
    if (q->quirks & (1u << b)) out[o++] = QUIRK_CHARS[b];
  if (o < n) out[o] = '\0';
  else out[n - 1] = '\0';
}

/* Fingerprint an IPv4 TCP SYN or SYN+ACK; return the first matching
 * signature (file order, as p0f) or NULL. fp receives the packet's own
 * fingerprint; *distance the hop estimate. */
const struct fp_sig *match_fingerprint(const struct fp_sig *list,
                                       const struct pkt *p, char *fp,
                                       size_t fp_len, uint8_t *distance) {
  struct pkt_fp q;
  packet_fp(p, &q);
  format_fp(&q, fp, fp_len);
  *distance = (uint8_t)(initial_ttl(q.ttl) - q.ttl);
  for (const struct fp_sig *f = list; f != NULL; f = f->next) {
    if (sig_matches(f, &q)) {
      *distance = (uint8_t)(f->ttl - q.ttl);
      return f;
    }
  }
  return NULL;
}

void free_fingerprints(struct fp_sig *list) {
  while (list != NULL) {
    struct fp_sig *next = list->next;
    free(list);
    list = next;
  }
}
