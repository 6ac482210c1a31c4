/* mbox_io.c — command-line parsing, pcap input/output and log handles shared
 * by all middleboxes (API and the reason for the one global: mbox_io.h). */
#include "mbox_io.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mbox_io mbox_io;

void mbox_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(2);
}

void mbox_config_error(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(2);
}

char *mbox_config_trim(char *line) {
  char *hash = strchr(line, '#');
  if (hash) *hash = '\0';
  while (*line && isspace((unsigned char)*line)) line++;
  size_t n = strlen(line);
  while (n > 0 && isspace((unsigned char)line[n - 1])) line[--n] = '\0';
  return line;
}

void mbox_usage(const char *prog) {
  fprintf(stderr,
          "usage: %s (-r <pcap|-> | -i <iface>) [-l <log>] [-w <out.pcap> | -o <iface>] "
          "[-c <config>]...\n",
          prog);
}

void mbox_parse_args(int argc, char **argv, struct mbox_opts *o,
                     const char *prog) {
  memset(o, 0, sizeof *o);
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt(argc, argv, ":r:i:l:w:o:c:h")) != -1) {
    switch (c) {
    case 'r': o->read_file = optarg; break;
    case 'i': o->iface = optarg; break;
    case 'l': o->log_file = optarg; break;
    case 'w': o->write_file = optarg; break;
    case 'o': o->out_iface = optarg; break;
    case 'c':
      if (o->nconfig >= MBOX_MAX_CONFIG)
        mbox_die("%s: at most %d -c options", prog, MBOX_MAX_CONFIG);
      o->config[o->nconfig++] = optarg;
      break;
    case 'h':
      mbox_usage(prog);
      exit(0);
    case ':':
      mbox_usage(prog);
      mbox_die("%s: option -%c needs an argument", prog, optopt);
    default:
      mbox_usage(prog);
      mbox_die("%s: unknown option -%c", prog, optopt);
    }
  }
  if (optind < argc) {
    mbox_usage(prog);
    mbox_die("%s: unexpected argument '%s'", prog, argv[optind]);
  }
  if ((o->read_file == NULL) == (o->iface == NULL)) {
    mbox_usage(prog);
    mbox_die("%s: give exactly one of -r and -i", prog);
  }
  if (o->write_file && o->out_iface) {
    mbox_usage(prog);
    mbox_die("%s: give at most one of -w and -o", prog);
  }
}

static pcap_t *open_live(const char *iface) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_create(iface, err);
  if (p == NULL) mbox_die("pcap_create %s: %s", iface, err);
  pcap_set_snaplen(p, 65535);
  pcap_set_promisc(p, 1);
  pcap_set_immediate_mode(p, 1);
  pcap_set_timeout(p, 10);
  int rc = pcap_activate(p);
  if (rc < 0) mbox_die("pcap_activate %s: %s", iface, pcap_geterr(p));
  return p;
}

void mbox_open(const struct mbox_opts *o, enum mbox_output_mode mode) {
  char err[PCAP_ERRBUF_SIZE];
  memset(&mbox_io, 0, sizeof mbox_io);
  if (o->read_file) {
    /* pcap_open_offline reads stdin for "-" and accepts pcapng too. */
    mbox_io.in = pcap_open_offline(o->read_file, err);
    if (mbox_io.in == NULL) mbox_die("cannot read %s: %s", o->read_file, err);
  } else {
    mbox_io.in = open_live(o->iface);
  }
  mbox_io.linktype = pcap_datalink(mbox_io.in);
  mbox_io.snaplen = pcap_snapshot(mbox_io.in);
  if (mbox_io.snaplen <= 0) mbox_io.snaplen = 262144;

  if (o->log_file) {
    mbox_io.log = fopen(o->log_file, "w");
    if (mbox_io.log == NULL) mbox_die("cannot write log %s", o->log_file);
  } else {
    mbox_io.log = stdout;
  }

  if (mode == MBOX_NO_OUTPUT) {
    if (o->write_file || o->out_iface)
      fprintf(stderr, "note: off-path middlebox: -w/-o ignored\n");
    return;
  }
  if (o->write_file) {
    mbox_io.dump_pcap = pcap_open_dead(mbox_io.linktype, mbox_io.snaplen);
    if (mbox_io.dump_pcap == NULL) mbox_die("pcap_open_dead failed");
    mbox_io.dumper = pcap_dump_open(mbox_io.dump_pcap, o->write_file);
    if (mbox_io.dumper == NULL)
      mbox_die("cannot write %s: %s", o->write_file, pcap_geterr(mbox_io.dump_pcap));
  } else if (o->out_iface) {
    mbox_io.out = pcap_open_live(o->out_iface, 65535, 0, 10, err);
    if (mbox_io.out == NULL) mbox_die("cannot open %s for output: %s", o->out_iface, err);
  }
}

void mbox_open_discard(int linktype) {
  memset(&mbox_io, 0, sizeof mbox_io);
  mbox_io.linktype = linktype;
  mbox_io.snaplen = 262144;
  mbox_io.log = fopen("/dev/null", "w");
  if (mbox_io.log == NULL) mbox_die("cannot open /dev/null");
  mbox_io.dump_pcap = pcap_open_dead(linktype, mbox_io.snaplen);
  if (mbox_io.dump_pcap == NULL) mbox_die("pcap_open_dead failed");
  mbox_io.dumper = pcap_dump_open(mbox_io.dump_pcap, "/dev/null");
  if (mbox_io.dumper == NULL) mbox_die("cannot open dumper on /dev/null");
}

/* Send one packet on the configured output. Returns 0 when sent or written,
 * 1 when no output is configured (packet dropped), -1 on an output error. */
int mbox_output_packet(const struct pcap_pkthdr *h, const u_char *bytes) {
  if (mbox_io.dumper) {
    pcap_dump((u_char *)mbox_io.dumper, h, bytes);
    return 0;
  }
  if (mbox_io.out) {
    if (pcap_inject(mbox_io.out, bytes, h->caplen) < 0) {
      fprintf(stderr, "pcap_inject: %s\n", pcap_geterr(mbox_io.out));
      return -1;
    }
    return 0;
  }
  return 1;
}

void mbox_close(void) {
  if (mbox_io.dumper) {
    pcap_dump_flush(mbox_io.dumper);
    pcap_dump_close(mbox_io.dumper);
    mbox_io.dumper = NULL;
  }
  if (mbox_io.dump_pcap) pcap_close(mbox_io.dump_pcap);
  if (mbox_io.out) pcap_close(mbox_io.out);
  if (mbox_io.in) pcap_close(mbox_io.in);
  if (mbox_io.log) {
    fflush(mbox_io.log);
    if (mbox_io.log != stdout) fclose(mbox_io.log);
  }
  mbox_io.dump_pcap = NULL;
  mbox_io.out = NULL;
  mbox_io.in = NULL;
  mbox_io.log = NULL;
}
