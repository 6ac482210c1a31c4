/* assetmon.c — a passive asset monitor in the manner of PRADS
 * (github.com/gamelinux/prads): pcap_loop callback, per-packet dispatch to
 * connection tracking, OS fingerprinting, service/client banner matching and
 * ARP, periodic expiry sweeps driven by packet timestamps, configuration. */
#include "assetmon.h"

#include <ctype.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mbox_io.h"

struct signature *sig_serv_tcp, *sig_client_tcp, *sig_serv_udp;
struct fp_sig *sig_syn, *sig_synack;
struct am_stats stats;
time_t next_cxt_sweep, next_asset_sweep;

/* ARP over Ethernet/IPv4 (RFC 826): htype(2) ptype(2) hlen(1) plen(1) op(2)
 * sha(6) spa(4) tha(6) tpa(4). The sender's MAC/IP binding is an asset. */
static void handle_arp(const struct pkt *p) {
  stats.arp++;
  if (p->caplen < p->l3_off || p->caplen - p->l3_off < 28) {
    stats.invalid++;
    return;
  }
  const u_char *a = p->frame + p->l3_off;
  if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0x00 || a[4] != 6 || a[5] != 4)
    return; /* not Ethernet/IPv4 ARP */
  struct in6_addr ip;
  memset(&ip, 0, sizeof ip);
  ip.s6_addr[10] = ip.s6_addr[11] = 0xff;
  memcpy(&ip.s6_addr[12], a + 14, 4);
  if (memcmp(a + 14, "\0\0\0\0", 4) == 0) return; /* ARP probe: no address yet */
  struct asset *as = asset_update(&ip, AF_INET, p->vlan_id, p->ts.tv_sec);
  asset_add_mac(as, a + 8, p->ts.tv_sec);
}

static struct asset *sender_asset(const struct pkt *p) {
  struct in6_addr ip;
  memset(&ip, 0, sizeof ip);
  if (p->ip != NULL) {
    ip.s6_addr[10] = ip.s6_addr[11] = 0xff;
    memcpy(&ip.s6_addr[12], &p->ip->ip_src, 4);
    return asset_update(&ip, AF_INET, p->vlan_id, p->ts.tv_sec);
  }
  return asset_update(&p->ip6->ip6_src, AF_INET6, p->vlan_id, p->ts.tv_sec);
}

/* OS fingerprint of an IPv4 SYN (client) or SYN+ACK (server), once per
 * connection and direction (p0f v2 has no IPv6 signatures). */
static void check_tcp_fingerprint(const struct pkt *p, struct connection *c) {
  uint8_t fl = p->tcp->th_flags;
  if (p->ip == NULL || !(fl & TH_SYN) || (fl & (TH_RST | TH_FIN))) return;
  int synack = (fl & TH_ACK) != 0;
  uint8_t done = synack ? CXT_SYNACK_DONE : CXT_SYN_DONE;
  if (c->check & done) return;
  c->check |= done;
  char fp[96];
  uint8_t distance;
  const struct fp_sig *m =
      match_fingerprint(synack ? sig_synack : sig_syn, p, fp, sizeof fp, &distance);
  asset_add_os(sender_asset(p), p, synack ? FP_SYNACK : FP_SYN, fp, m,
               p->ip->ip_ttl, distance);
}

/* Banner matching on the first MAX_PKT_CHECK packets of each side: the
 * responder's payload against server signatures, the initiator's against
 * client signatures (PRADS service_tcp4 / client_tcp4). */
static void check_payload(const struct pkt *p, struct connection *c,
                          int from_initiator) {
  if (p->payload_len == 0) return;
  const struct signature *list;
  uint8_t done, role;
  uint64_t seen;
  uint16_t port;
  if (from_initiator) {
    list = p->tcp != NULL ? sig_client_tcp : NULL;
    done = CXT_CLIENT_DONE;
    role = ROLE_CLIENT;
    seen = c->s_total_pkts;
    port = c->d_port; /* a client is logged with the service's port */
  } else {
    list = p->tcp != NULL ? sig_serv_tcp : sig_serv_udp;
    done = CXT_SERVICE_DONE;
    role = ROLE_SERVER;
    seen = c->d_total_pkts;
    port = c->d_port;
  }
  if (c->check & done) return;
  if (seen > MAX_PKT_CHECK) {
    c->check |= done; /* give up on this side, as PRADS does */
    return;
  }
  char service[32], info[192];
  if (list == NULL ||
      !match_signature(list, p->payload, p->payload_len, service, sizeof service,
                       info, sizeof info))
    return;
  c->check |= done;
  asset_add_service(sender_asset(p), p, role, port, service, info);
}

/* Expiry sweeps on packet time, every CXT/ASSET_SWEEP_INTERVAL seconds. */
static void run_sweeps(time_t now) {
  if (next_cxt_sweep == 0) next_cxt_sweep = now + CXT_SWEEP_INTERVAL;
  if (next_asset_sweep == 0) next_asset_sweep = now + ASSET_SWEEP_INTERVAL;
  if (now >= next_cxt_sweep) {
    end_sessions(now, 0);
    next_cxt_sweep = now + CXT_SWEEP_INTERVAL;
  }
  if (now >= next_asset_sweep) {
    update_asset_list(now, 0);
    next_asset_sweep = now + ASSET_SWEEP_INTERVAL;
  }
}

void assetmon_handle_packet(const struct pcap_pkthdr *h, const u_char *bytes) {
  struct pkt p;
  stats.pkts++;
  run_sweeps(h->ts.tv_sec);
  int st = pkt_decode(&p, mbox_io.linktype, h, bytes);
  if (st == PKT_INVALID) {
    stats.invalid++;
    return;
  }
  if (p.ip == NULL && p.ip6 == NULL) {
    if (p.ether_type == ETHERTYPE_ARP) handle_arp(&p);
    else stats.not_ip++;
    return;
  }
  if (p.ip != NULL) stats.ipv4++;
  else stats.ipv6++;
  if (st != PKT_L4) {
    stats.other_l4++;
    return;
  }
  int from_initiator;
  struct connection *c = cxt_update(&p, &from_initiator);
  if (p.tcp != NULL) {
    stats.tcp++;
    check_tcp_fingerprint(&p, c);
    check_payload(&p, c, from_initiator);
  } else if (p.udp != NULL) {
    stats.udp++;
    check_payload(&p, c, from_initiator);
  } else {
    stats.icmp++;
  }
}

/* Resolve a path from a config file relative to the config's folder. */
static void config_path(const char *conf, const char *path, char *out, size_t n) {
  if (path[0] == '/') {
    snprintf(out, n, "%s", path);
    return;
  }
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s", conf);
  snprintf(out, n, "%s/%s", dirname(tmp), path);
}

/* Config lines: "<key> <file>" for tcp_service, tcp_client, udp_service,
 * syn_fingerprints, synack_fingerprints; '#' starts a comment. */
void assetmon_init_config(const char *conf) {
  FILE *f = fopen(conf, "r");
  if (f == NULL) mbox_die("assetmon: cannot read config %s", conf);
  char line[1024];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char *s = mbox_config_trim(line);
    if (*s == '\0') continue;
    char key[64], val[512], extra;
    if (sscanf(s, "%63s %511s %c", key, val, &extra) != 2)
      mbox_config_error(conf, lineno, "expected '<key> <file>'");
    char path[1024];
    config_path(conf, val, path, sizeof path);
    if (strcmp(key, "tcp_service") == 0) {
      free_signatures(sig_serv_tcp);
      sig_serv_tcp = load_signatures(path);
    } else if (strcmp(key, "tcp_client") == 0) {
      free_signatures(sig_client_tcp);
      sig_client_tcp = load_signatures(path);
    } else if (strcmp(key, "udp_service") == 0) {
      free_signatures(sig_serv_udp);
      sig_serv_udp = load_signatures(path);
    } else if (strcmp(key, "syn_fingerprints") == 0) {
      free_fingerprints(sig_syn);
      sig_syn = load_fingerprints(path);
    } else if (strcmp(key, "synack_fingerprints") == 0) {
      free_fingerprints(sig_synack);
      sig_synack = load_fingerprints(path);
    } else {
      mbox_config_error(conf, lineno, "unknown key '%s'", key);
    }
  }
  fclose(f);
}

void assetmon_shutdown(void) {
  end_sessions(0, 1);
  update_asset_list(0, 1);
  free_signatures(sig_serv_tcp);
  free_signatures(sig_client_tcp);
  free_signatures(sig_serv_udp);
  free_fingerprints(sig_syn);
  free_fingerprints(sig_synack);
  sig_serv_tcp = sig_client_tcp = sig_serv_udp = NULL;
  sig_syn = sig_synack = NULL;
}

#ifndef MBOX_FUZZ
/* PRADS's got_packet: the pcap_loop callback. */
static void got_packet(u_char *user, const struct pcap_pkthdr *h,
                       const u_char *bytes) {
  (void)user;
  assetmon_handle_packet(h, bytes);
}

static void log_stats(void) {
  fprintf(mbox_io.log,
          "# stats packets=%llu invalid=%llu not_ip=%llu arp=%llu ipv4=%llu ipv6=%llu "
          "tcp=%llu udp=%llu icmp=%llu no_l4=%llu connections=%llu expired=%llu "
          "assets=%llu assets_expired=%llu services=%llu clients=%llu syn=%llu synack=%llu\n",
          (unsigned long long)stats.pkts, (unsigned long long)stats.invalid,
          (unsigned long long)stats.not_ip, (unsigned long long)stats.arp,
          (unsigned long long)stats.ipv4, (unsigned long long)stats.ipv6,
          (unsigned long long)stats.tcp, (unsigned long long)stats.udp,
          (unsigned long long)stats.icmp, (unsigned long long)stats.other_l4,
          (unsigned long long)stats.cxt_new, (unsigned long long)stats.cxt_expired,
          (unsigned long long)stats.assets_new, (unsigned long long)stats.assets_expired,
          (unsigned long long)stats.services, (unsigned long long)stats.clients,
          (unsigned long long)stats.os_syn, (unsigned long long)stats.os_synack);
}

int main(int argc, char **argv) {
  struct mbox_opts o;
  mbox_parse_args(argc, argv, &o, "assetmon");
  if (o.nconfig == 0) mbox_die("assetmon: a config file (-c assetmon.conf) is required");
  for (int i = 0; i < o.nconfig; i++) assetmon_init_config(o.config[i]);
  mbox_open(&o, MBOX_NO_OUTPUT);
  int rc = pcap_loop(mbox_io.in, -1, got_packet, NULL);
  /* Teardown runs whatever pcap_loop returned, so it does not depend on the
   * packets (only the exit status does). */
  if (rc == -1)
    fprintf(stderr, "assetmon: %s: %s\n", o.read_file ? o.read_file : o.iface,
            pcap_geterr(mbox_io.in));
  log_stats();
  assetmon_shutdown();
  mbox_close();
  return rc == -1 ? 2 : 0;
}
#endif
