/* ids.c — the Snort-like IDS: start-up (rules → port groups + automata), the
 * pcap_dispatch receive loop with a DAQ-style callback, per-packet decode,
 * stream tracking, detection, portscan, expiry sweeps, and "fast" alerts. */
#include "dfilter.h"
#include "ids.h"
#include "mbox_io.h"
#include "pkt.h"
#include "portscan.h"
#include "stream.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FLOW_BUCKETS 16384
#define TRACKER_BUCKETS 16384
#define DFILTER_BUCKETS 4096
#define SWEEP_INTERVAL 1    /* seconds of packet time between expiry sweeps */

/* Read-only after ids_init: the signature state (paper §7: large, read-only). */
static struct ruleset ruleset;
/* Per-flow and per-source state, written by every packet. */
static struct flow_table flow_table;
static struct ps_table scan_table;
static struct df_table dfilter_table;
static struct ids_stats stats;
/* Packet clock: the latest timestamp seen (traces may step backwards). */
static struct timeval packet_clock;
static struct timeval next_sweep;

/* ---------------------------------------------------------------- alert output */

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "TCP";
	case IPPROTO_UDP: return "UDP";
	case IPPROTO_ICMP: return "ICMP";
	case IPPROTO_ICMPV6: return "IPV6-ICMP";
	default: return NULL;
	}
}

static void addr_str(int family, const uint8_t *a, char *out, size_t n)
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, a, out, (socklen_t)n))
		snprintf(out, n, "?");
}

/* Snort's alert_fast: "MM/DD-HH:MM:SS.uuuuuu  [**] [gid:sid:rev] msg [**]
 * [Classification: desc] [Priority: n] {PROTO} src:port -> dst:port" (UTC). */
static void alert_fast(const struct ids_pkt *p, uint32_t gid, uint32_t sid, uint32_t rev, const char *msg,
		       const char *cls, int priority, int with_ports)
{
	char ts[32], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], proto[16];
	struct tm tm;
	time_t sec = (time_t)p->ts.tv_sec;
	const char *pn = proto_name(p->proto);

	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof tm);
	snprintf(ts, sizeof ts, "%02d/%02d-%02d:%02d:%02d.%06ld", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (long)p->ts.tv_usec);
	addr_str(p->family, p->src, src, sizeof src);
	addr_str(p->family, p->dst, dst, sizeof dst);
	if (pn && with_ports)
		snprintf(proto, sizeof proto, "%s", pn);
	else
		snprintf(proto, sizeof proto, "PROTO:%03u", pn && !with_ports ? 255u : p->proto);
	fprintf(mbox_io.log, "%s  [**] [%u:%u:%u] %s [**] ", ts, gid, sid, rev, msg);
	if (cls)
		fprintf(mbox_io.log, "[Classification: %s] ", cls);
	fprintf(mbox_io.log, "[Priority: %d] {%s} ", priority, proto);
	if (with_ports && (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) && p->l4_ok)
		fprintf(mbox_io.log, "%s:%u -> %s:%u\n", src, p->sport, dst, p->dport);
	else
		fprintf(mbox_io.log, "%s -> %s\n", src, dst);
}

static int on_event(const struct rule *r, const struct ids_pkt *p, void *arg)
{
	(void)arg;
	if (!df_allow(&dfilter_table, r, p)) {
		stats.filtered++;
		return 0;
	}
	if (r->action == ACT_LOG) {
		stats.logged++;
		return 1;
	}
	stats.alerts++;
	alert_fast(p, r->gid, r->sid, r->rev, r->msg, r->classtype ? r->classtype->desc : NULL,
		   r->priority, 1);
	return 1;
}

static void portscan_events(const struct ids_pkt *p)
{
	struct ps_event ev[3];
	int n = ps_packet(&scan_table, p, &ruleset.config, &stats, ev);
	for (int i = 0; i < n; i++)
		alert_fast(p, PS_GID, ev[i].sid, 1, ev[i].msg, "Attempted Information Leak", 2, 0);
}

/* ---------------------------------------------------------------- decode */

/* Copy what detection needs out of the decoded frame. Returns 0 for frames
 * that carry no IP (counted, ignored). */
static int ids_decode(struct ids_pkt *ip, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pkt p;
	int rc = pkt_decode(&p, mbox_io.linktype, h, bytes);

	memset(ip, 0, sizeof *ip);
	ip->ts = h->ts;
	ip->icmp_type = ip->icmp_code = -1;
	if (rc == PKT_INVALID) {
		stats.invalid++;
		/* keep going with what decoded before the bad layer */
		if (!p.ip && !p.ip6)
			return 0;
	}
	if (p.ip) {
		ip->family = 4;
		memcpy(ip->src, &p.ip->ip_src, 4);
		memcpy(ip->dst, &p.ip->ip_dst, 4);
		stats.ipv4++;
	} else if (p.ip6) {
		ip->family = 6;
		memcpy(ip->src, &p.ip6->ip6_src, 16);
		memcpy(ip->dst, &p.ip6->ip6_dst, 16);
		stats.ipv6++;
	} else {
		stats.non_ip++;
		return 0;
	}
	ip->proto = p.l4_proto;
	if (p.frag == PKT_FRAG_LATER)
		stats.fragments++;
	if (p.tcp) {
		ip->l4_ok = 1;
		ip->sport = ntohs(p.tcp->th_sport);
		ip->dport = ntohs(p.tcp->th_dport);
		ip->tcp_flags = p.tcp->th_flags;
		ip->seq = ntohl(p.tcp->th_seq);
		ip->ack = ntohl(p.tcp->th_ack);
		stats.tcp++;
	} else if (p.udp) {
		ip->l4_ok = 1;
		ip->sport = ntohs(p.udp->uh_sport);
		ip->dport = ntohs(p.udp->uh_dport);
		stats.udp++;
	} else if (p.icmp) {
		ip->l4_ok = 1;
		ip->icmp_type = p.icmp->type;
		ip->icmp_code = p.icmp->code;
		stats.icmp++;
	} else if (p.icmp6) {
		ip->l4_ok = 1;
		ip->icmp_type = p.icmp6->icmp6_type;
		ip->icmp_code = p.icmp6->icmp6_code;
		stats.icmp++;
	} else {
		stats.other_l4++;
	}
	if (ip->l4_ok && p.payload) {
		ip->payload = p.payload;
		ip->payload_len = p.payload_len;
	}
	return 1;
}

/* ---------------------------------------------------------------- per packet */

static void maybe_sweep(const struct timeval *ts)
{
	if (ts->tv_sec > packet_clock.tv_sec ||
	    (ts->tv_sec == packet_clock.tv_sec && ts->tv_usec > packet_clock.tv_usec))
		packet_clock = *ts;
	if (packet_clock.tv_sec < next_sweep.tv_sec)
		return;
	stream_sweep(&flow_table, &packet_clock, &ruleset.config, &stats);
	ps_sweep(&scan_table, &packet_clock, &ruleset.config, &stats);
	df_sweep(&dfilter_table, &packet_clock, &ruleset);
	next_sweep.tv_sec = packet_clock.tv_sec + SWEEP_INTERVAL;
	next_sweep.tv_usec = 0;
}

void ids_handle_packet(const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ids_pkt p;
	struct detect_ctx dc;

	stats.packets++;
	if (!ids_decode(&p, h, bytes))
		return;
	maybe_sweep(&p.ts);
	memset(&dc, 0, sizeof dc);
	dc.pkt = &p;
	dc.flow_dir = FLOWDIR_ANY;
	dc.buf = p.payload;
	dc.len = p.payload_len;
	if (p.l4_ok && (p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP)) {
		int dir = 0;
		struct flow *f = stream_get(&flow_table, &p, &ruleset.config, &stats, &dir);
		if (f) {
			dc.have_flow = 1;
			dc.flow_dir = dir == 0 ? FLOWDIR_TO_SERVER : FLOWDIR_TO_CLIENT;
			if (p.proto == IPPROTO_TCP) {
				struct inspect in;
				stream_tcp(f, dir, &p, &ruleset.config, &stats, &in);
				dc.buf = in.buf;
				dc.len = in.len;
				dc.new_start = in.new_start;
			}
			/* established as of this packet, after the state machine ran */
			dc.established = stream_established(f);
		}
	}
	portscan_events(&p);
	detect_packet(&ruleset, &dc, on_event, NULL);
}


/* ---------------------------------------------------------------- start-up */

int ids_init(int nconfig, const char *const *configs, char *err, size_t errlen)
{
	memset(&ruleset, 0, sizeof ruleset);
	config_defaults(&ruleset.config);
	for (int i = 0; i < nconfig; i++)
		if (rules_load(&ruleset, configs[i], err, errlen) < 0)
			return -1;
	if (detect_compile(&ruleset, err, errlen) < 0)
		return -1;
	if (flow_table_init(&flow_table, FLOW_BUCKETS) < 0 || ps_table_init(&scan_table, TRACKER_BUCKETS) < 0 ||
	    df_table_init(&dfilter_table, DFILTER_BUCKETS) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void ids_print_stats(FILE *out)
{
	fprintf(out,
		"ids: packets %llu (invalid %llu, non-IP %llu, IPv4 %llu, IPv6 %llu, TCP %llu, UDP %llu, "
		"ICMP %llu, later fragments %llu)\n"
		"ids: rules %u in %u port groups, %llu automaton states (%llu KiB of transitions)\n"
		"ids: alerts %llu, logged %llu, held by detection_filter %llu, portscan events %llu\n"
		"ids: flows created %llu, expired %llu, reused %llu, refused %llu, midstream %llu, live %u\n"
		"ids: reassembled bytes %llu, out-of-order dropped %llu, retransmits %llu, window slides %llu\n",
		(unsigned long long)stats.packets, (unsigned long long)stats.invalid,
		(unsigned long long)stats.non_ip, (unsigned long long)stats.ipv4,
		(unsigned long long)stats.ipv6, (unsigned long long)stats.tcp, (unsigned long long)stats.udp,
		(unsigned long long)stats.icmp, (unsigned long long)stats.fragments, ruleset.nrules,
		ruleset.ngroups, (unsigned long long)ruleset.ac_states, (unsigned long long)(ruleset.ac_bytes / 1024),
		(unsigned long long)stats.alerts, (unsigned long long)stats.logged, (unsigned long long)stats.filtered,
		(unsigned long long)stats.portscan_alerts, (unsigned long long)stats.flows_created,
		(unsigned long long)stats.flows_expired, (unsigned long long)stats.flows_reused,
		(unsigned long long)stats.flows_refused, (unsigned long long)stats.midstream, flow_table.count,
		(unsigned long long)stats.reassembled_bytes, (unsigned long long)stats.ooo_dropped,
		(unsigned long long)stats.retransmits, (unsigned long long)stats.window_slides);
}

/* Frees the per-flow and per-source state at the end of input. The rule set
 * stays allocated until exit: it is written only before the first packet
 * (ids_init) and after a failed start (ids_release_rules), never while
 * packets are processed. */
void ids_shutdown(void)
{
	flow_table_free(&flow_table);
	ps_table_free(&scan_table);
	df_table_free(&dfilter_table);
}

void ids_release_rules(void)
{
	detect_free(&ruleset);
	rules_free(&ruleset);
}

#ifndef MBOX_FUZZ
/* The DAQ-style callback pcap_dispatch hands each packet to. */
static void dispatch_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	(void)user;
	ids_handle_packet(h, bytes);
}

int main(int argc, char **argv)
{
	struct mbox_opts opts;
	char err[512];
	const char *default_rules[] = { "ids.rules" };
	int n;

	mbox_parse_args(argc, argv, &opts, "ids");
	if (opts.nconfig > 0 ? ids_init(opts.nconfig, opts.config, err, sizeof err) < 0
			     : ids_init(1, default_rules, err, sizeof err) < 0) {
		fprintf(stderr, "ids: %s\n", err);
		ids_release_rules();
		return 2;
	}
	mbox_open(&opts, MBOX_NO_OUTPUT);
	/* DAQ style: hand batches of packets to the callback until the input ends */
	while ((n = pcap_dispatch(mbox_io.in, 64, dispatch_cb, NULL)) >= 0) {
		if (n == 0 && opts.read_file)
			break;
	}
	if (n == PCAP_ERROR) {
		/* a damaged capture file: report it like a bad input, exit 2 */
		fprintf(stderr, "ids: %s: read error: %s\n", opts.read_file ? opts.read_file : opts.iface,
			pcap_geterr(mbox_io.in));
		exit(2);
	}
	ids_print_stats(stderr);
	ids_shutdown();
	mbox_close();
	return 0;
}
#endif
