/* fuzz-rules.c — libFuzzer target for the rule-file parser and compiler:
 * each input is a rule file; it must load or fail with a message, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/ids-fuzz-rules-%ld.rules", (long)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);

	struct ruleset rs;
	char err[512];
	memset(&rs, 0, sizeof rs);
	config_defaults(&rs.config);
	if (rules_load(&rs, path, err, sizeof err) == 0) {
		if (detect_compile(&rs, err, sizeof err) < 0)
			abort(); /* a loaded rule set always compiles (no memory limit here) */
		detect_free(&rs);
	} else if (strncmp(err, path, strlen(path)) != 0) {
		abort(); /* every error names the file */
	}
	rules_free(&rs);
	return 0;
}
