/* metrics.c - HR, recall, precision, NDCG, MRR and coverage of top-K lists. */
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
	m->first_at = calloc(m->kmax, sizeof *m->first_at);
	m->hits_at = calloc(m->kmax, sizeof *m->hits_at);
	m->single_at = calloc(m->kmax, sizeof *m->single_at);
	m->idcg = malloc((m->kmax + 1) * sizeof *m->idcg);
	m->best_rank = malloc(n_items * sizeof *m->best_rank);
	m->is_target = calloc(n_items, 1);
	if (!m->first_at || !m->hits_at || !m->single_at || !m->idcg || !m->best_rank ||
	    !m->is_target) {
		metrics_free(m);
		snprintf(err, errlen, "metrics: out of memory");
		return -1;
	}
	for (int64_t i = 0; i < n_items; i++)
		m->best_rank[i] = INT32_MAX;
	m->idcg[0] = 0;
	for (int r = 0; r < m->kmax; r++)
		m->idcg[r + 1] = m->idcg[r] + 1 / log2(r + 2.0);
	return 0;
}

void metrics_add(metrics *m, const int32_t *list, int len, int32_t target)
{
	metrics_add_targets(m, list, len, &target, 1);
}

/* A user of t >= 2 targets at the cut-off ks[i]: h of them and dcg in
 * its first K entries. */
static void add_multi(metrics *m, int i, int64_t t, int64_t h, double dcg)
{
	int K = m->ks[i];
	m->recall_sum[i] += (double)h / (double)t;
	m->ndcg_sum[i] += dcg / m->idcg[t < K ? t : K];
}

void metrics_add_targets(metrics *m, const int32_t *list, int len,
	const int32_t *targets, int64_t nt)
{
	if (nt <= 0)
		return;
	int64_t t = 0;
	for (int64_t j = 0; j < nt; j++)
		if (targets[j] >= 0 && targets[j] < m->n_items && !m->is_target[targets[j]]) {
			m->is_target[targets[j]] = 1;
			t++;
		}
	m->users++;
	m->multi += t > 1;
	if (len > m->kmax)
		len = m->kmax;
	int64_t h = 0;
	double dcg = 0;
	int next = 0;
	for (int r = 0; list && r < len; r++) {
		int32_t it = list[r];
		if (it >= 0 && it < m->n_items) {
			if (r < m->best_rank[it])
				m->best_rank[it] = r;
			if (m->is_target[it] == 1) {
				m->is_target[it] = 2; /* found: a repeat in the list is no hit */
				m->first_at[r] += h == 0;
				m->hits_at[r]++;
				m->single_at[r] += t == 1;
				h++;
				dcg += 1 / log2(r + 2.0);
			}
		}
		for (; t > 1 && next < m->nks && m->ks[next] == r + 1; next++)
			add_multi(m, next, t, h, dcg);
	}
	for (; t > 1 && next < m->nks; next++) /* cut-offs beyond a short list */
		add_multi(m, next, t, h, dcg);
	for (int64_t j = 0; j < nt; j++)
		if (targets[j] >= 0 && targets[j] < m->n_items)
			m->is_target[targets[j]] = 0;
}

void metrics_finish(const metrics *m, metrics_result *res)
{
	memset(res, 0, sizeof *res);
	res->nks = m->nks;
	memcpy(res->ks, m->ks, sizeof res->ks);
	res->users = m->users;
	res->multi = m->multi;
	double first = 0, dcg = 0, rr = 0, single = 0, hits = 0;
	int next = 0;
	/* Sums run over ranks, in rank order: the same for any user order. */
	for (int r = 0; r < m->kmax; r++) {
		first += (double)m->first_at[r];
		dcg += m->single_at[r] / log2(r + 2.0);
		rr += m->first_at[r] / (r + 1.0);
		single += (double)m->single_at[r];
		hits += (double)m->hits_at[r];
		while (next < m->nks && m->ks[next] == r + 1) {
			double n = (double)m->users;
			res->hr[next] = m->users ? first / n : 0;
			res->ndcg[next] = m->users ? (dcg + m->ndcg_sum[next]) / n : 0;
			res->mrr_at[next] = m->users ? rr / n : 0;
			res->recall[next] = m->users ? (single + m->recall_sum[next]) / n : 0;
			res->precision[next] = m->users ? hits / ((r + 1.0) * n) : 0;
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
	free(m->first_at);
	free(m->hits_at);
	free(m->single_at);
	free(m->idcg);
	free(m->best_rank);
	free(m->is_target);
	m->first_at = m->hits_at = m->single_at = NULL;
	m->idcg = NULL;
	m->best_rank = NULL;
	m->is_target = NULL;
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
