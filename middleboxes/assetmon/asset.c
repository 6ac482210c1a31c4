/* asset.c — the asset table (PRADS assets.c): hosts keyed by IP address in a
 * chained hash table, each with its services/clients and OS guesses, logged
 * in PRADS's asset-log format when something new is discovered, and expired
 * by update_asset_list() from packet-timestamp time. */
#include "assetmon.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mbox_io.h"

struct asset *passet[ASSET_BUCKETS];

static uint32_t asset_hash(const struct in6_addr *ip) {
  uint32_t h = 2166136261u; /* FNV-1a over the address bytes */
  for (int i = 0; i < 16; i++) h = (h ^ ip->s6_addr[i]) * 16777619u;
  return h % ASSET_BUCKETS;
}

static void format_ip(const struct in6_addr *ip, uint8_t af, char *buf,
                      size_t len) {
  if (af == AF_INET)
    inet_ntop(AF_INET, &ip->s6_addr[12], buf, (socklen_t)len);
  else
    inet_ntop(AF_INET6, ip, buf, (socklen_t)len);
}

/* One PRADS asset-log line: ip,vlan,port,proto,service,[info],distance,discovered */
void asset_log(const struct asset *a, uint16_t port, uint8_t proto,
               const char *what, const char *info, uint8_t distance, time_t when) {
  char ip[INET6_ADDRSTRLEN];
  format_ip(&a->ip, a->af, ip, sizeof ip);
  fprintf(mbox_io.log, "%s,%u,%u,%u,%s,[%s],%u,%lld\n", ip, a->vlan, port,
          proto, what, info, distance, (long long)when);
}

/* Find or create the asset for ip and mark it seen at `now`. */
struct asset *asset_update(const struct in6_addr *ip, uint8_t af, uint16_t vlan,
                           time_t now) {
  uint32_t h = asset_hash(ip);
  struct asset *a;
  for (a = passet[h]; a != NULL; a = a->next)
    if (memcmp(&a->ip, ip, sizeof *ip) == 0) break;
  if (a == NULL) {
    a = calloc(1, sizeof *a);
    if (a == NULL) mbox_die("assetmon: out of memory");
    a->ip = *ip;
    a->af = af;
    a->first_seen = now;
    a->next = passet[h];
    if (passet[h] != NULL) passet[h]->prev = a;
    passet[h] = a;
    stats.assets_new++;
  }
  a->vlan = vlan;
  if (now > a->last_seen) a->last_seen = now;
  a->pkts++;
  return a;
}

static void copy_str(char *dst, size_t n, const char *src) {
  snprintf(dst, n, "%s", src);
}

/* Record a server service or client application; log when it is new or its
 * banner changed (PRADS update_asset_service). */
void asset_add_service(struct asset *a, const struct pkt *p, uint8_t role,
                       uint16_t port, const char *service, const char *info) {
  uint8_t ttl = p->ip != NULL ? p->ip->ip_ttl : p->ip6->ip6_hlim;
  time_t now = p->ts.tv_sec;
  struct serv_asset *s;
  for (s = a->services; s != NULL; s = s->next) {
    if (s->port == port && s->proto == p->l4_proto && s->role == role) break;
  }
  if (s != NULL) {
    s->hits++;
    if (now > s->last_seen) s->last_seen = now;
    if (strcmp(s->service, service) == 0 && strcmp(s->info, info) == 0) return;
  } else {
    if (a->nservices >= MAX_SERVICES) return;
    s = calloc(1, sizeof *s);
    if (s == NULL) mbox_die("assetmon: out of memory");
    s->port = port;
    s->proto = p->l4_proto;
    s->role = role;
    s->first_seen = s->last_seen = now;
    s->hits = 1;
    s->next = a->services;
    a->services = s;
    a->nservices++;
  }
  s->ttl = ttl;
  copy_str(s->service, sizeof s->service, service);
  copy_str(s->info, sizeof s->info, info);
  if (role == ROLE_SERVER) stats.services++;
  else stats.clients++;
  char text[256];
  snprintf(text, sizeof text, "%s:%s", s->service, s->info);
  uint8_t initial = ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
  asset_log(a, port, s->proto, role == ROLE_SERVER ? "SERVER" : "CLIENT", text,
            (uint8_t)(initial - ttl), now);
}

/* Record an OS fingerprint; log the first sighting of each fingerprint. */
void asset_add_os(struct asset *a, const struct pkt *p, uint8_t detection,
                  const char *fp, const struct fp_sig *match, uint8_t ttl,
                  uint8_t distance) {
  time_t now = p->ts.tv_sec;
  struct os_asset *o;
  for (o = a->os; o != NULL; o = o->next) {
    if (o->detection == detection && strcmp(o->fp, fp) == 0) {
      o->hits++;
      if (now > o->last_seen) o->last_seen = now;
      return;
    }
  }
  if (a->nos >= MAX_OS) return;
  o = calloc(1, sizeof *o);
  if (o == NULL) mbox_die("assetmon: out of memory");
  o->detection = detection;
  o->ttl = ttl;
  o->distance = distance;
  copy_str(o->fp, sizeof o->fp, fp);
  copy_str(o->os, sizeof o->os, match != NULL ? match->os : "UNKNOWN");
  copy_str(o->desc, sizeof o->desc, match != NULL ? match->desc : "UNKNOWN");
  o->first_seen = o->last_seen = now;
  o->hits = 1;
  o->next = a->os;
  a->os = o;
  a->nos++;
  if (detection == FP_SYN) stats.os_syn++;
  else stats.os_synack++;
  char text[256];
  snprintf(text, sizeof text, "%s:%s:%s", o->fp, o->os, o->desc);
  asset_log(a, pkt_sport(p), IPPROTO_TCP, detection == FP_SYN ? "SYN" : "SYNACK",
            text, distance, now);
}

/* Record the MAC address an ARP packet binds to this asset. */
void asset_add_mac(struct asset *a, const uint8_t mac[6], time_t now) {
  if (a->has_mac && memcmp(a->mac, mac, 6) == 0) return;
  memcpy(a->mac, mac, 6);
  a->has_mac = 1;
  char text[32];
  snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
           mac[2], mac[3], mac[4], mac[5]);
  asset_log(a, 0, 0, "ARP", text, 0, now);
}

static void asset_free(struct asset *a) {
  while (a->services != NULL) {
    struct serv_asset *n = a->services->next;
    free(a->services);
    a->services = n;
  }
  while (a->os != NULL) {
    struct os_asset *n = a->os->next;
    free(a->os);
    a->os = n;
  }
  free(a);
}

/* Expiry sweep (PRADS update_asset_list): forget assets idle longer than
 * ASSET_TIMEOUT; all=1 frees everything (shutdown). */
void update_asset_list(time_t now, int all) {
  for (uint32_t h = 0; h < ASSET_BUCKETS; h++) {
    struct asset *a = passet[h];
    while (a != NULL) {
      struct asset *next = a->next;
      if (all || now - a->last_seen > ASSET_TIMEOUT) {
        if (a->prev != NULL) a->prev->next = a->next;
        else passet[h] = a->next;
        if (a->next != NULL) a->next->prev = a->prev;
        asset_free(a);
        if (!all) stats.assets_expired++;
      }
      a = next;
    }
  }
}
