/* libpcap's own reading speed, measured inside the process (no start-up):
 * open the file, pcap_next_ex over every record summing caplen, close; the
 * median of N rounds after one warm-up. Used by bench.ts; prints
 * "wall_ms cpu_ms packets bytes" (CPU time resists the load of other processes). */
#define _DEFAULT_SOURCE /* u_char and friends for <pcap/pcap.h>, clock_gettime */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int read_once(const char *path, unsigned long *packets, unsigned long long *bytes)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (p == NULL) {
		fprintf(stderr, "bench-libpcap: %s\n", err);
		return -1;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc;
	*packets = 0;
	*bytes = 0;
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		*packets += 1;
		*bytes += h->caplen;
	}
	pcap_close(p);
	return rc == PCAP_ERROR_BREAK ? 0 : -1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench-libpcap FILE ROUNDS\n");
		return 2;
	}
	int rounds = atoi(argv[2]);
	if (rounds < 1 || rounds > 1000)
		return 2;
	double *t = calloc((size_t)rounds, sizeof *t);
	double *c = calloc((size_t)rounds, sizeof *c);
	if (t == NULL || c == NULL)
		return 1;
	unsigned long packets;
	unsigned long long bytes;
	if (read_once(argv[1], &packets, &bytes) != 0)
		return 1;
	for (int i = 0; i < rounds; i++) {
		double t0 = now_ms(CLOCK_MONOTONIC);
		double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
		if (read_once(argv[1], &packets, &bytes) != 0)
			return 1;
		t[i] = now_ms(CLOCK_MONOTONIC) - t0;
		c[i] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
	}
	qsort(t, (size_t)rounds, sizeof *t, cmp);
	qsort(c, (size_t)rounds, sizeof *c, cmp);
	printf("%.3f %.3f %lu %llu\n", t[rounds / 2], c[rounds / 2], packets, bytes);
	free(t);
	free(c);
	return 0;
}
