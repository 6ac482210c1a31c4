/* sched.c — server selection: weighted round-robin (smooth, as nginx/LVS's
 * interleaved WRR) and least-connections weighted by server weight (HAProxy
 * `balance leastconn`). Deterministic: ties break by a rotor, never by address. */
#include "lb.h"

const char *lb_algo_name(enum lb_algo algo)
{
    return algo == LB_ALGO_LEASTCONN ? "leastconn" : "roundrobin";
}

static int server_usable(const struct lb_server *s)
{
    return s->weight > 0 && (s->maxconn == 0 || s->active_conns < s->maxconn);
}

/* Smooth weighted round-robin: every usable server earns its weight in credit,
 * the richest is chosen and pays the total. Sequence for weights 2,1 is a,b,a. */
static struct lb_server *sched_roundrobin(struct lb_service *svc)
{
    struct lb_server *best = NULL;
    int total = 0;
    for (int i = 0; i < svc->nservers; i++) {
        struct lb_server *s = &svc->servers[i];
        if (!server_usable(s)) continue;
        s->cur_weight += s->weight;
        total += s->weight;
        if (best == NULL || s->cur_weight > best->cur_weight) best = s;
    }
    if (best != NULL) best->cur_weight -= total;
    return best;
}

/* Fewest active connections per unit of weight (a/wa < b/wb ⇔ a·wb < b·wa);
 * among equals, the first at or after the rotor, so idle pools still rotate. */
static struct lb_server *sched_leastconn(struct lb_service *svc)
{
    struct lb_server *best = NULL;
    int best_i = 0;
    for (int k = 0; k < svc->nservers; k++) {
        int i = (svc->lc_next + k) % svc->nservers;
        struct lb_server *s = &svc->servers[i];
        if (!server_usable(s)) continue;
        if (best == NULL ||
            (uint64_t)s->active_conns * (uint64_t)best->weight <
                (uint64_t)best->active_conns * (uint64_t)s->weight) {
            best = s;
            best_i = i;
        }
    }
    if (best != NULL) svc->lc_next = (best_i + 1) % svc->nservers;
    return best;
}

struct lb_server *lb_schedule(struct lb_service *svc)
{
    if (svc->algo == LB_ALGO_LEASTCONN) return sched_leastconn(svc);
    return sched_roundrobin(svc);
}
