/* acsm.c — Aho-Corasick multi-pattern matcher (after Snort's acsmx: a trie
 * over case-folded patterns turned into a full DFA by a BFS over failure links). */
#include "ids.h"

#include <stdlib.h>
#include <string.h>

/* ASCII case folding table; bytes >= 0x80 are left alone as in Snort's xlatcase. */
const uint8_t ids_fold[256] = {
#define R(b) (uint8_t)((b) >= 'A' && (b) <= 'Z' ? (b) + 32 : (b))
#define R4(b) R(b), R((b) + 1), R((b) + 2), R((b) + 3)
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)
#define R64(b) R16(b), R16((b) + 16), R16((b) + 32), R16((b) + 48)
	R64(0), R64(64), R64(128), R64(192)
#undef R64
#undef R16
#undef R4
#undef R
};

struct ac_automaton *ac_new(void)
{
	struct ac_automaton *ac = calloc(1, sizeof *ac);
	if (!ac)
		return NULL;
	ac->cap_states = 64;
	ac->next_state = malloc((size_t)ac->cap_states * 256 * sizeof *ac->next_state);
	ac->matches = calloc(ac->cap_states, sizeof *ac->matches);
	if (!ac->next_state || !ac->matches) {
		ac_free(ac);
		return NULL;
	}
	for (int i = 0; i < 256; i++)
		ac->next_state[i] = -1;
	ac->nstates = 1;
	return ac;
}

static int32_t new_state(struct ac_automaton *ac)
{
	if (ac->nstates == ac->cap_states) {
		/* doubling keeps pattern insertion linear (realloc may copy) */
		uint32_t cap = ac->cap_states * 2;
		int32_t *ns = realloc(ac->next_state, (size_t)cap * 256 * sizeof *ns);
		if (!ns)
			return -1;
		ac->next_state = ns;
		struct ac_match **m = realloc(ac->matches, (size_t)cap * sizeof *m);
		if (!m)
			return -1;
		ac->matches = m;
		ac->cap_states = cap;
	}
	ac->matches[ac->nstates] = NULL;
	for (int i = 0; i < 256; i++)
		ac->next_state[(size_t)ac->nstates * 256 + (size_t)i] = -1;
	return (int32_t)ac->nstates++;
}

/* Add one pattern (folded here) reporting `slot` when it is found. */
int ac_add(struct ac_automaton *ac, const uint8_t *pat, uint32_t len, uint32_t slot)
{
	int32_t s = 0;

	for (uint32_t i = 0; i < len; i++) {
		uint8_t b = ids_fold[pat[i]];
		int32_t n = ac->next_state[(size_t)s * 256 + b];
		if (n < 0) {
			n = new_state(ac);
			if (n < 0)
				return -1;
			ac->next_state[(size_t)s * 256 + b] = n;
		}
		s = n;
	}
	struct ac_match *m = malloc(sizeof *m);
	if (!m)
		return -1;
	m->rule_slot = slot;
	m->pat_len = len;
	m->next = ac->matches[s];
	ac->matches[s] = m;
	ac->npatterns++;
	if (len > ac->max_pattern)
		ac->max_pattern = len;
	return 0;
}

static int append_copy(struct ac_match **dst, const struct ac_match *src)
{
	for (; src; src = src->next) {
		struct ac_match *m = malloc(sizeof *m);
		if (!m)
			return -1;
		*m = *src;
		m->next = NULL;
		while (*dst)
			dst = &(*dst)->next;
		*dst = m;
	}
	return 0;
}

/* Breadth-first: fail(child) = delta(fail(parent), byte); missing edges are
 * filled with the failure state's edge, giving a DFA; output lists are
 * merged along failure links so every match is reported at its end. */
int ac_compile(struct ac_automaton *ac)
{
	uint32_t n = ac->nstates;
	int32_t *fail = calloc(n, sizeof *fail);
	int32_t *queue = malloc(n * sizeof *queue);
	uint32_t head = 0, tail = 0;
	int rc = -1;

	if (!fail || !queue)
		goto out;
	for (int b = 0; b < 256; b++) {
		int32_t s = ac->next_state[b];
		if (s < 0) {
			ac->next_state[b] = 0;
		} else {
			fail[s] = 0;
			queue[tail++] = s;
		}
	}
	while (head < tail) {
		int32_t r = queue[head++];
		for (int b = 0; b < 256; b++) {
			size_t idx = (size_t)r * 256 + (size_t)b;
			int32_t s = ac->next_state[idx];
			int32_t f = ac->next_state[(size_t)fail[r] * 256 + (size_t)b];
			if (s < 0) {
				ac->next_state[idx] = f;
				continue;
			}
			fail[s] = f;
			if (append_copy(&ac->matches[s], ac->matches[f]) < 0)
				goto out;
			queue[tail++] = s;
		}
	}
	rc = 0;
out:
	free(fail);
	free(queue);
	return rc;
}

void ac_search(const struct ac_automaton *ac, const uint8_t *text, uint32_t len, ac_hit_fn hit, void *arg)
{
	int32_t s = 0;
	for (uint32_t i = 0; i < len; i++) {
		s = ac->next_state[(size_t)s * 256 + ids_fold[text[i]]];
		for (const struct ac_match *m = ac->matches[s]; m; m = m->next)
			hit(m->rule_slot, i + 1, arg);
	}
}

void ac_free(struct ac_automaton *ac)
{
	if (!ac)
		return;
	if (ac->matches)
		for (uint32_t i = 0; i < ac->nstates; i++) {
			struct ac_match *m = ac->matches[i];
			while (m) {
				struct ac_match *nx = m->next;
				free(m);
				m = nx;
			}
		}
	free(ac->matches);
	free(ac->next_state);
	free(ac);
}
