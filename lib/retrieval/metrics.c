/* metrics.c - HR, NDCG, MRR and coverage of top-K lists. */
#include "metrics.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int metrics_init(metrics *m, const int *ks, int nks, int64_t n_items,
	char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	if (nks < 1 || nks > METRICS_MAX_KS || n_items < 1) {
		snprintf(err, errlen, "metrics: 1..%d values of K and items needed",
			METRICS_MAX_KS);
		return -1;
	}
	int sorted[METRICS_MAX_KS];
	memcpy(sorted, ks, nks * sizeof(int));
	qsort(sorted, nks, sizeof(int), cmp_int);
	for (int i = 0; i < nks; i++) {
		if (sorted[i] < 1 || sorted[i] > (1 << 20)) {
			snprintf(err, errlen, "metrics: K=%d out of range 1..%d",
				sorted[i], 1 << 20);
			return -1;
		}
		if (m->nks == 0 || m->ks[m->nks - 1] != sorted[i])
			m->ks[m->nks++] = sorted[i];
	}
	m->kmax = m->ks[m->nks - 1];
	m->n_items = n_items;
	m->catalogue = n_items;
	m->hits_at = calloc(m->kmax, sizeof *m->hits_at);
	m->best_rank = malloc(n_items * sizeof *m->best_rank);
	if (!m->hits_at || !m->best_rank) {
		metrics_free(m);
		snprintf(err, errlen, "metrics: out of memory");
		return -1;
	}
	for (int64_t i = 0; i < n_items; i++)
		m->best_rank[i] = INT32_MAX;
	return 0;
}

void metrics_add(metrics *m, const int32_t *list, int len, int32_t target)
{
	m->users++;
	if (!list)
		return;
	if (len > m->kmax)
		len = m->kmax;
	int found = 0;
	for (int r = 0; r < len; r++) {
		int32_t it = list[r];
		if (it < 0 || it >= m->n_items)
			continue;
		if (r < m->best_rank[it])
			m->best_rank[it] = r;
		if (it == target && !found) {
			m->hits_at[r]++;
			found = 1;
		}
	}
}

void metrics_finish(const metrics *m, metrics_result *res)
{
	memset(res, 0, sizeof *res);
	res->nks = m->nks;
	memcpy(res->ks, m->ks, sizeof res->ks);
	res->users = m->users;
	double hits = 0, dcg = 0, rr = 0;
	int next = 0;
	/* Sums run over ranks, in rank order: the same for any user order. */
	for (int r = 0; r < m->kmax; r++) {
		hits += (double)m->hits_at[r];
		dcg += m->hits_at[r] / log2(r + 2.0);
		rr += m->hits_at[r] / (r + 1.0);
		while (next < m->nks && m->ks[next] == r + 1) {
			res->hr[next] = m->users ? hits / m->users : 0;
			res->ndcg[next] = m->users ? dcg / m->users : 0;
			res->mrr_at[next] = m->users ? rr / m->users : 0;
			next++;
		}
	}
	res->mrr = m->users ? rr / m->users : 0;
	for (int i = 0; i < m->nks; i++) {
		int64_t covered = 0;
		for (int64_t it = 0; it < m->n_items; it++)
			covered += m->best_rank[it] < m->ks[i];
		res->coverage[i] = (double)covered / m->catalogue;
	}
}

void metrics_free(metrics *m)
{
	free(m->hits_at);
	free(m->best_rank);
	m->hits_at = NULL;
	m->best_rank = NULL;
}

int metrics_parse_ks(const char *s, int *ks, int max)
{
	int n = 0;
	const char *p = s;
	for (;;) {
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (end == p || errno || v < 1 || v > (1 << 20) || n == max)
			return -1;
		ks[n++] = (int)v;
		if (*end == '\0')
			return n;
		if (*end != ',')
			return -1;
		p = end + 1;
	}
}
