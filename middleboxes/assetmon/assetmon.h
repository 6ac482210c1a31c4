/* assetmon.h — types, limits and entry points of assetmon, the PRADS-like
 * passive asset monitor (connection tracking, asset table, signatures). */
#ifndef STATELAB_ASSETMON_H
#define STATELAB_ASSETMON_H

#include <stdint.h>
#include <time.h>
#include <regex.h>
#include <netinet/in.h>
#include <pcap/pcap.h>

#include "pkt.h"

/* Limits and timeouts, in packet-timestamp seconds (PRADS's cxt.h/prads.h). */
#define CXT_BUCKETS 4099          /* connection hash buckets (prime) */
#define ASSET_BUCKETS 1021        /* asset hash buckets (prime) */
#define TCP_TIMEOUT 300           /* idle established TCP connection */
#define TCP_CLOSED_TIMEOUT 30     /* after FIN or RST from both/either side */
#define UDP_TIMEOUT 60
#define OTHER_TIMEOUT 60
#define CXT_SWEEP_INTERVAL 30     /* run end_sessions() this often */
#define ASSET_TIMEOUT 3600        /* forget assets idle this long */
#define ASSET_SWEEP_INTERVAL 120
#define MAX_PKT_CHECK 10          /* payload packets checked per side */
#define MAX_PAYLOAD_CHECK 1024    /* bytes of payload matched */
#define MAX_SERVICES 32           /* per asset */
#define MAX_OS 8                  /* per asset */
#define FP_MAXOPT 16

/* Per-connection check bits (PRADS cxt->check). */
#define CXT_SERVICE_DONE 0x01
#define CXT_CLIENT_DONE 0x02
#define CXT_SYN_DONE 0x04
#define CXT_SYNACK_DONE 0x08

/* One tracked connection, keyed by the (symmetric) 5-tuple. The initiator
 * (first packet's sender) is the "s" side, as in PRADS's struct connection. */
struct connection {
  struct in6_addr s_ip, d_ip;    /* IPv4 as ::ffff:a.b.c.d */
  uint16_t s_port, d_port;       /* host order */
  uint8_t proto;
  uint8_t af;                    /* AF_INET or AF_INET6 */
  uint16_t vlan;
  time_t start_time, last_pkt_time;
  uint64_t s_total_pkts, s_total_bytes, d_total_pkts, d_total_bytes;
  uint8_t s_tcpFlags, d_tcpFlags; /* OR of flags seen per side */
  uint8_t check;                  /* CXT_*_DONE */
  struct connection *prev, *next;
};

enum serv_role { ROLE_SERVER = 1, ROLE_CLIENT = 2 };

/* A service (server banner) or client application seen on an asset. */
struct serv_asset {
  uint16_t port;
  uint8_t proto;
  uint8_t role;                  /* enum serv_role */
  uint8_t ttl;
  char service[32];              /* e.g. "ssh" */
  char info[192];                /* e.g. "OpenSSH 5.3p1 (Protocol 2.0)" */
  time_t first_seen, last_seen;
  uint32_t hits;
  struct serv_asset *next;
};

enum fp_detection { FP_SYN = 1, FP_SYNACK = 2 };

/* An OS guess from a SYN or SYN+ACK fingerprint. */
struct os_asset {
  uint8_t detection;             /* enum fp_detection */
  uint8_t ttl, distance;
  char fp[96];                   /* raw fingerprint of the packet */
  char os[48], desc[96];         /* match, or UNKNOWN */
  time_t first_seen, last_seen;
  uint32_t hits;
  struct os_asset *next;
};

/* One host, keyed by IP address (PRADS's asset). */
struct asset {
  struct in6_addr ip;
  uint8_t af;
  uint16_t vlan;
  uint8_t mac[6];
  uint8_t has_mac;
  time_t first_seen, last_seen;
  uint64_t pkts;
  uint16_t nservices, nos;
  struct serv_asset *services;
  struct os_asset *os;
  struct asset *prev, *next;
};

/* Service/client banner signature (PRADS tcp-service.sig format). */
struct signature {
  char service[32];
  char vendor[64], version[64], info[64]; /* templates with $1..$9 */
  regex_t regex;
  int line;
  struct signature *next;
};

/* p0f v2 SYN / SYN+ACK fingerprint (PRADS os.fp / osa.fp format). */
enum fp_win { WIN_ANY, WIN_EXACT, WIN_MSS, WIN_MTU, WIN_MOD };
enum fp_val { VAL_EXACT, VAL_ANY, VAL_MOD };
struct fp_sig {
  uint8_t win_type;              /* enum fp_win */
  uint32_t win;
  uint8_t ttl, df;
  int32_t size;                  /* -1 = any */
  uint8_t optcnt;
  uint8_t opt[FP_MAXOPT];        /* TCPOPT_* kinds; 0xfe = T0 */
  uint8_t optval_type[FP_MAXOPT]; /* enum fp_val for M/W */
  uint32_t optval[FP_MAXOPT];
  uint32_t quirks;
  char text[96];                 /* the fingerprint as written */
  char os[48], desc[96];
  int line;
  struct fp_sig *next;
};

/* Counters reported in the final log comment line. */
struct am_stats {
  uint64_t pkts, invalid, not_ip, arp, ipv4, ipv6, tcp, udp, icmp, other_l4;
  uint64_t cxt_new, cxt_expired, assets_new, assets_expired;
  uint64_t services, clients, os_syn, os_synack;
};

/* Globals (persistent state; see expected.json). */
extern struct connection *bucket[CXT_BUCKETS];
extern struct asset *passet[ASSET_BUCKETS];
extern struct signature *sig_serv_tcp, *sig_client_tcp, *sig_serv_udp;
extern struct fp_sig *sig_syn, *sig_synack;
extern struct am_stats stats;
extern time_t next_cxt_sweep, next_asset_sweep;

/* cxt.c */
struct connection *cxt_update(const struct pkt *p, int *from_initiator);
void end_sessions(time_t now, int all);
/* asset.c */
struct asset *asset_update(const struct in6_addr *ip, uint8_t af, uint16_t vlan,
                           time_t now);
void asset_add_service(struct asset *a, const struct pkt *p, uint8_t role,
                       uint16_t port, const char *service, const char *info);
void asset_add_os(struct asset *a, const struct pkt *p, uint8_t detection,
                  const char *fp, const struct fp_sig *match, uint8_t ttl,
                  uint8_t distance);
void asset_add_mac(struct asset *a, const uint8_t mac[6], time_t now);
void update_asset_list(time_t now, int all);
void asset_log(const struct asset *a, uint16_t port, uint8_t proto,
               const char *what, const char *info, uint8_t distance, time_t when);
/* sig.c */
struct signature *load_signatures(const char *file);
int match_signature(const struct signature *list, const u_char *payload,
                    uint32_t len, char *service, size_t service_len,
                    char *info, size_t info_len);
void free_signatures(struct signature *list);
/* osfp.c */
struct fp_sig *load_fingerprints(const char *file);
const struct fp_sig *match_fingerprint(const struct fp_sig *list,
                                       const struct pkt *p, char *fp,
                                       size_t fp_len, uint8_t *distance);
void free_fingerprints(struct fp_sig *list);
/* assetmon.c */
void assetmon_init_config(const char *conf);
void assetmon_handle_packet(const struct pcap_pkthdr *h, const u_char *bytes);
void assetmon_shutdown(void);

#endif
