/* sig.c — service and client banner signatures in PRADS's format
 * (`service,v/vendor/version/info/,regex`), compiled as POSIX extended
 * regexes, and matching of a payload against a signature list. */
#include "assetmon.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbox_io.h"

/* Payload NUL bytes become this byte so regexec (NUL-terminated) sees the
 * whole payload; signatures write NUL as \0 or \x00 and get the same byte. */
#define NUL_STANDIN 0x01

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Append one literal byte to a POSIX ERE, escaping metacharacters. */
static size_t put_literal(char *out, size_t o, size_t cap, int b, int in_bracket) {
  if (b == 0) b = NUL_STANDIN;
  if (!in_bracket && strchr(".[]()*+?{}|^$\\", b) != NULL) {
    if (o + 2 < cap) { out[o++] = '\\'; out[o++] = (char)b; }
    return o;
  }
  if (o + 1 < cap) out[o++] = (char)b;
  return o;
}

static size_t put_str(char *out, size_t o, size_t cap, const char *s) {
  while (*s && o + 1 < cap) out[o++] = *s++;
  return o;
}

/* Translate the PCRE-style escapes PRADS signatures use (\xHH \r \n \t \0,
 * and \d \s \S \w outside brackets) into a POSIX ERE. Returns -1 on a
 * malformed escape. */
static int translate_regex(const char *in, char *out, size_t cap) {
  size_t o = 0;
  int in_bracket = 0;
  for (size_t i = 0; in[i] != '\0'; i++) {
    char c = in[i];
    if (c == '[' && !in_bracket) {
      in_bracket = 1;
      o = put_str(out, o, cap, "[");
      if (in[i + 1] == '^') { o = put_str(out, o, cap, "^"); i++; }
      if (in[i + 1] == ']') { o = put_str(out, o, cap, "]"); i++; }
      continue;
    }
    if (c == ']' && in_bracket) { in_bracket = 0; o = put_str(out, o, cap, "]"); continue; }
    if (c != '\\') { if (o + 1 < cap) out[o++] = c; continue; }
    char e = in[++i];
    switch (e) {
    case '\0': return -1;
    case 'x': {
      int h1 = hexval(in[i + 1]), h2 = h1 >= 0 ? hexval(in[i + 2]) : -1;
      if (h1 < 0 || h2 < 0) return -1;
      o = put_literal(out, o, cap, h1 * 16 + h2, in_bracket);
      i += 2;
      break;
    }
    case 'r': o = put_literal(out, o, cap, '\r', in_bracket); break;
    case 'n': o = put_literal(out, o, cap, '\n', in_bracket); break;
    case 't': o = put_literal(out, o, cap, '\t', in_bracket); break;
    case '0': o = put_literal(out, o, cap, 0, in_bracket); break;
    case 'd': if (in_bracket) return -1; o = put_str(out, o, cap, "[0-9]"); break;
    case 's': if (in_bracket) return -1; o = put_str(out, o, cap, "[[:space:]]"); break;
    case 'S': if (in_bracket) return -1; o = put_str(out, o, cap, "[^[:space:]]"); break;
    case 'w': if (in_bracket) return -1; o = put_str(out, o, cap, "[[:alnum:]_]"); break;
    default:
      if (in_bracket) { if (o + 1 < cap) out[o++] = e; }
      else if (o + 2 < cap) { out[o++] = '\\'; out[o++] = e; }
    }
  }
  if (o + 1 >= cap) return -1;
  out[o] = '\0';
  return 0;
}

/* Read one '/'-terminated template field of "v/a/b/c/". */
static const char *take_field(const char *s, char *dst, size_t n) {
  size_t k = 0;
  while (*s && *s != '/' && *s != ',') {
    if (k + 1 < n) dst[k++] = *s;
    s++;
  }
  dst[k] = '\0';
  if (*s == '/') s++;
  return s;
}

static void parse_sig_line(const char *file, int lineno, char *s,
                           struct signature *sig) {
  char *comma = strchr(s, ',');
  if (comma == NULL || comma == s || (size_t)(comma - s) >= sizeof sig->service)
    mbox_config_error(file, lineno, "expected '<service>,v/<vendor>/<version>/<info>/,<regex>'");
  memcpy(sig->service, s, (size_t)(comma - s));
  sig->service[comma - s] = '\0';
  const char *t = comma + 1;
  if (strncmp(t, "v/", 2) != 0)
    mbox_config_error(file, lineno, "version template must start with 'v/'");
  t = take_field(t + 2, sig->vendor, sizeof sig->vendor);
  t = take_field(t, sig->version, sizeof sig->version);
  t = take_field(t, sig->info, sizeof sig->info);
  while (*t && *t != ',') t++;
  if (*t != ',' || t[1] == '\0')
    mbox_config_error(file, lineno, "missing regex after the version template");
  char ere[1024];
  if (translate_regex(t + 1, ere, sizeof ere) != 0)
    mbox_config_error(file, lineno, "bad escape in regex");
  int rc = regcomp(&sig->regex, ere, REG_EXTENDED);
  if (rc != 0) {
    char msg[128];
    regerror(rc, &sig->regex, msg, sizeof msg);
    mbox_config_error(file, lineno, "bad regex: %s", msg);
  }
  sig->line = lineno;
}

/* Load a signature file; the list keeps file order (first match wins). */
struct signature *load_signatures(const char *file) {
  FILE *f = fopen(file, "r");
  if (f == NULL) mbox_die("assetmon: cannot read signature file %s", file);
  struct signature *head = NULL, **tail = &head;
  char line[2048];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    if (strchr(line, '\n') == NULL && !feof(f))
      mbox_config_error(file, lineno, "line too long");
    /* Not mbox_config_trim: '#' may appear inside a regex. */
    char *s = line;
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
    if (*s == '\0' || *s == '#') continue;
    struct signature *sig = calloc(1, sizeof *sig);
    if (sig == NULL) mbox_die("assetmon: out of memory");
    parse_sig_line(file, lineno, s, sig);
    *tail = sig;
    tail = &sig->next;
  }
  fclose(f);
  return head;
}

/* Copy a captured substring into dst, keeping the log line parseable. */
static size_t put_capture(char *dst, size_t o, size_t n, const char *text,
                          const regmatch_t *m) {
  if (m->rm_so < 0) return o;
  for (regoff_t i = m->rm_so; i < m->rm_eo && o + 1 < n; i++) {
    unsigned char c = (unsigned char)text[i];
    dst[o++] = (isprint(c) && c != ',' && c != '[' && c != ']') ? (char)c : '.';
  }
  return o;
}

/* Expand $1..$9 in a template. */
static void expand(const char *tpl, const char *text, const regmatch_t *m,
                   char *dst, size_t n) {
  size_t o = 0;
  for (const char *t = tpl; *t && o + 1 < n; t++) {
    if (t[0] == '$' && t[1] >= '1' && t[1] <= '9') {
      o = put_capture(dst, o, n, text, &m[t[1] - '0']);
      t++;
    } else {
      dst[o++] = *t;
    }
  }
  dst[o] = '\0';
}

/* Match payload against the list; on the first match, fill service and the
 * "vendor version (info)" text and return 1. */
int match_signature(const struct signature *list, const u_char *payload,
                    uint32_t len, char *service, size_t service_len,
                    char *info, size_t info_len) {
  char text[MAX_PAYLOAD_CHECK + 1];
  uint32_t n = len < MAX_PAYLOAD_CHECK ? len : MAX_PAYLOAD_CHECK;
  for (uint32_t i = 0; i < n; i++)
    text[i] = payload[i] == 0 ? (char)NUL_STANDIN : (char)payload[i];
  text[n] = '\0';
  for (const struct signature *s = list; s != NULL; s = s->next) {
    regmatch_t m[10];
    if (regexec(&s->regex, text, 10, m, 0) != 0) continue;
    char vendor[96], version[96], extra[96];
    expand(s->vendor, text, m, vendor, sizeof vendor);
    expand(s->version, text, m, version, sizeof version);
    expand(s->info, text, m, extra, sizeof extra);
    snprintf(service, service_len, "%s", s->service);
    int k = snprintf(info, info_len, "%s", vendor);
    if (version[0] && k >= 0 && (size_t)k < info_len)
      k += snprintf(info + k, info_len - (size_t)k, " %s", version);
    if (extra[0] && k >= 0 && (size_t)k < info_len)
      snprintf(info + k, info_len - (size_t)k, " (%s)", extra);
    return 1;
  }
  return 0;
}

void free_signatures(struct signature *list) {
  while (list != NULL) {
    struct signature *next = list->next;
    regfree(&list->regex);
    free(list);
    list = next;
  }
}
