/* mbox_io.h — the command line and packet/log I/O every statelab middlebox
 * shares: -r/-i input, -l log, -w/-o packet output, -c config files.
 *
 * Usage (see synblock.c / assetmon.c):
 *   struct mbox_opts o;
 *   mbox_parse_args(argc, argv, &o, "assetmon");  // exits 2 on bad usage
 *   ... load o.config[0..o.nconfig-1] (mbox_config_error on bad lines) ...
 *   mbox_open(&o, MBOX_OUTPUT);                    // or MBOX_NO_OUTPUT (off-path)
 *   receive from mbox_io.in (pcap_next / pcap_next_ex / pcap_loop ...),
 *   decode with pkt_decode(&p, mbox_io.linktype, h, bytes),
 *   send with mbox_output_packet(h, bytes), log with fprintf(mbox_io.log, ...)
 *   mbox_close();                                  // flushes; then exit 0
 *
 * Options:
 *   -r <file|->  read a pcap/pcapng file ('-' = stdin)
 *   -i <iface>   live capture (promiscuous, immediate mode)
 *   -l <file>    log lines (default stdout)
 *   -w <file>    write output packets to a pcap file (pcap_dump)
 *   -o <iface>   output packets on an interface (pcap_inject)
 *   -c <file>    config file, repeatable (up to MBOX_MAX_CONFIG)
 *   -h           usage
 * Exactly one of -r/-i is required. With neither -w nor -o an on-path
 * middlebox's output packets are discarded (mbox_output_packet returns 1).
 *
 * Global state: the one global `mbox_io` holds only the library handles
 * (pcap_t, pcap_dumper_t, FILE) set once by mbox_open. They are globals because
 * every middlebox already keeps its capture/log handles global (PRADS, Snort,
 * the paper's Figure 3), and the state analysis treats these opaque library
 * handles as not-updateable state; keeping counters or packet state here would
 * add hidden shared state to every middlebox, so there is none.
 * For expected.json, every middlebox lists it as:
 *   { "name": "mbox_io", "scope": "global", "file": "../common/mbox_io.c",
 *     "persistent": true, "topLevel": true, "updateable": false, ... }
 * (top-level because mbox_output_packet / the log are used per packet).
 * Exits with status 2 and a message on stderr for every setup error.
 */
#ifndef STATELAB_MBOX_IO_H
#define STATELAB_MBOX_IO_H

#include <stdio.h>
#include <pcap/pcap.h>

#define MBOX_MAX_CONFIG 8

struct mbox_opts {
  const char *read_file;   /* -r */
  const char *iface;       /* -i */
  const char *log_file;    /* -l */
  const char *write_file;  /* -w */
  const char *out_iface;   /* -o */
  const char *config[MBOX_MAX_CONFIG]; /* -c, in order */
  int nconfig;
};

enum mbox_output_mode { MBOX_NO_OUTPUT = 0, MBOX_OUTPUT = 1 };

struct mbox_io {
  pcap_t *in;              /* capture handle (offline or live) */
  int linktype;            /* pcap_datalink(in) */
  int snaplen;             /* pcap_snapshot(in) */
  pcap_t *out;             /* -o: live handle used by pcap_inject */
  pcap_t *dump_pcap;       /* -w: dead handle the dumper belongs to */
  pcap_dumper_t *dumper;   /* -w: pcap_dump target */
  FILE *log;               /* log stream (stdout by default) */
};

extern struct mbox_io mbox_io;

void mbox_usage(const char *prog);
void mbox_parse_args(int argc, char **argv, struct mbox_opts *o,
                     const char *prog);
void mbox_open(const struct mbox_opts *o, enum mbox_output_mode mode);
/* For fuzz targets: no input, log to /dev/null, output packets to a pcap
 * dumper on /dev/null (so the output path is exercised). */
void mbox_open_discard(int linktype);
int mbox_output_packet(const struct pcap_pkthdr *h, const u_char *bytes);
void mbox_close(void);

/* Report a setup error and exit 2. */
void mbox_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Report "file:line: message" for a bad config line and exit 2. */
void mbox_config_error(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
/* Strip a '#' comment and surrounding blanks in place; returns the start of
 * the remaining text ("" for blank lines). */
char *mbox_config_trim(char *line);

#endif
