/* model_stream.c - the model stream: meta with the configuration, the
 * weights by name, the id maps (see model.h). */
#include "model_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "ids.h"

const char *model_arch_name(int arch) { return arch == ARCH_SEED ? "seed" : "tt"; }

uint64_t model_identity(const model *m, const prep *ids)
{
	uint64_t h = fnv1a64(m->w, m->n_params * sizeof *m->w, FNV1A64_START);
	h = fnv1a64(ids->user_ids, ids->n_users * sizeof *ids->user_ids, h);
	return fnv1a64(ids->item_ids, ids->n_items * sizeof *ids->item_ids, h);
}

int model_write(tts_writer *w, const model *m, const prep *ids, const char *extra_meta)
{
	const model_config *c = &m->c;
	char meta[1024];
	snprintf(meta, sizeof meta,
		"kind=model\nproducer=tt-fit\nmodel=%016" PRIx64 "\narch=%s\nusers=%lld\n"
		"items=%lld\ndim=%d\nhidden=%d\nheads=%d\nhistory=%d\nblocks=%d\n"
		"item_mlp=%d\npositions=%d\ndropout=%g\nparameters=%zu\n",
		model_identity(m, ids), model_arch_name(c->arch), (long long)c->U,
		(long long)c->N, c->E, c->F, c->NH, c->L, c->blocks, c->item_mlp, c->positions,
		(double)c->dropout, m->n_params);
	size_t n = strlen(meta), extra = extra_meta ? strlen(extra_meta) : 0;
	if (c->rel_pos) /* absent: off, as in the models written before it */
		n += snprintf(meta + n, sizeof meta - n, "rel_pos=%d\n", c->rel_pos);
	if (c->user_features)
		n += snprintf(meta + n, sizeof meta - n, "user_features=%d\n", c->user_features);
	if (c->user_vocab)
		n += snprintf(meta + n, sizeof meta - n, "user_vocab=%d\n", c->user_vocab);
	if (features_meta(m, meta + n, sizeof meta - n))
		return -1;
	n = strlen(meta);
	char *all = malloc(n + extra + 1);
	if (!all)
		return -1;
	memcpy(all, meta, n);
	memcpy(all + n, extra_meta ? extra_meta : "", extra + 1);
	int rc = tts_write_meta(w, all);
	free(all);
	if (rc)
		return -1;
	for (size_t i = 0; i < m->n_tensors; i++) {
		const tensor_spec *t = &m->spec[i];
		if (tts_write(w, t->name, TTS_F32, t->rank, t->dims, m->w + t->offset))
			return -1;
	}
	return features_write(w, m) || (c->user_vocab && side_columns_write(w, "user", &m->ucols)) ||
		ids_write(w, ids) ? -1 : 0;
}

static int meta_int(const char *meta, const char *key, int64_t *v, char *err, size_t errlen)
{
	char buf[64], *end;
	if (!tts_meta_get(meta, key, buf, sizeof buf)) {
		snprintf(err, errlen, "meta: no %s=", key);
		return -1;
	}
	*v = strtoll(buf, &end, 10);
	if (end == buf || *end) {
		snprintf(err, errlen, "meta: %s=%s is not an integer", key, buf);
		return -1;
	}
	return 0;
}

int meta_long(const char *meta, const char *key, long long lo, long long hi,
	long long *v, char *err, size_t errlen)
{
	char buf[64], *end;
	*v = 0;
	if (!tts_meta_get(meta, key, buf, sizeof buf))
		return 0;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	if (end == buf || *end || errno || *v < lo || *v > hi) {
		snprintf(err, errlen, "meta: %s=%s: expected an integer in %lld..%lld", key, buf, lo, hi);
		return -1;
	}
	return 0;
}

int meta_float(const char *meta, const char *key, double lo, double hi,
	double *v, char *err, size_t errlen)
{
	char buf[64], *end;
	*v = 0;
	if (!tts_meta_get(meta, key, buf, sizeof buf))
		return 0;
	*v = strtod(buf, &end);
	if (end == buf || *end || !(*v >= lo && *v <= hi)) { /* NaN fails too */
		snprintf(err, errlen, "meta: %s=%s: expected a number in %g..%g", key, buf, lo, hi);
		return -1;
	}
	return 0;
}

int model_config_parse(const char *meta, model_config *c, char *err, size_t errlen)
{
	char buf[64];
	memset(c, 0, sizeof *c);
	if (!tts_meta_get(meta, "kind", buf, sizeof buf) || strcmp(buf, "model") != 0) {
		snprintf(err, errlen, "not a model stream (kind=%s)",
			tts_meta_get(meta, "kind", buf, sizeof buf) ? buf : "?");
		return -1;
	}
	if (!tts_meta_get(meta, "arch", buf, sizeof buf) ||
	    (strcmp(buf, "seed") && strcmp(buf, "tt"))) {
		snprintf(err, errlen, "meta: arch= must be seed or tt");
		return -1;
	}
	c->arch = strcmp(buf, "seed") == 0 ? ARCH_SEED : ARCH_TT;
	int64_t v[9];
	const char *keys[9] = { "users", "items", "dim", "hidden", "heads", "history",
		"blocks", "item_mlp", "positions" };
	for (int i = 0; i < 9; i++)
		if (meta_int(meta, keys[i], &v[i], err, errlen))
			return -1;
	for (int i = 2; i < 9; i++)
		if (v[i] < 0 || v[i] > 65536) {
			snprintf(err, errlen, "meta: %s=%lld out of range", keys[i], (long long)v[i]);
			return -1;
		}
	c->U = v[0]; c->N = v[1]; c->E = (int)v[2]; c->F = (int)v[3];
	c->NH = (int)v[4]; c->L = (int)v[5]; c->blocks = (int)v[6];
	c->item_mlp = (int)v[7]; c->positions = (int)v[8];
	double dropout;
	if (meta_float(meta, "dropout", 0, 1, &dropout, err, errlen))
		return -1;
	c->dropout = (float)dropout;
	long long uf;
	if (meta_long(meta, "rel_pos", 0, c->arch == ARCH_TT, &uf, err, errlen))
		return -1;
	c->rel_pos = (int)uf;
	if (meta_long(meta, "user_features", 0, c->arch == ARCH_TT, &uf, err, errlen))
		return -1;
	c->user_features = (int)uf;
	if (meta_long(meta, "user_vocab", 0, uf ? SIDE_VOCAB_MAX : 0, &uf, err, errlen))
		return -1;
	c->user_vocab = (int)uf;
	return features_parse(meta, c, err, errlen);
}

/* A weight that is not a number would make every vector NaN downstream. */
static int check_finite(const model *m, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->n_tensors; i++) {
		const tensor_spec *t = &m->spec[i];
		size_t n = t->dims[0] * (t->rank > 1 ? t->dims[1] : 1);
		for (size_t j = 0; j < n; j++)
			if (!isfinite(m->w[t->offset + j])) {
				snprintf(err, errlen, "weight %s: element %zu is %g, not a finite "
					"number", t->name, j, (double)m->w[t->offset + j]);
				return -1;
			}
	}
	return 0;
}

int model_read(tts_reader *r, model **out, prep *ids, char **meta_out, char *err, size_t errlen)
{
	tts_header h;
	char *meta = NULL;
	model *m = NULL;
	unsigned char *loaded = NULL;
	memset(ids, 0, sizeof *ids);
	*out = NULL;
	int rc = tts_next(r, &h);
	if (rc <= 0 || strcmp(h.name, "meta") != 0 || h.dtype != TTS_TEXT) {
		snprintf(err, errlen, "%s", rc < 0 ? tts_reader_error(r) : "the stream does not start with a meta record");
		return -1;
	}
	meta = tts_read_alloc(r, &h, 1 << 20);
	model_config c;
	if (!meta) {
		snprintf(err, errlen, "%s", tts_reader_error(r));
		goto fail;
	}
	if (model_config_parse(meta, &c, err, errlen))
		goto fail;
	if (!(m = model_plan(&c, err, errlen)))
		goto fail;
	ids->n_users = c.U;
	ids->n_items = c.N;
	loaded = calloc(m->n_tensors, 1);
	if (!loaded)
		goto oom;
	while ((rc = tts_next(r, &h)) == 1) {
		size_t i;
		for (i = 0; i < m->n_tensors; i++)
			if (strcmp(m->spec[i].name, h.name) == 0)
				break;
		if (i < m->n_tensors) {
			const tensor_spec *t = &m->spec[i];
			const tts_shape want = { TTS_F32, t->rank, { t->dims[0], t->dims[1] } };
			/* the shape before the allocation, which the meta sizes */
			if (tts_check_shape(&h, &want, err, errlen) < 0)
				goto fail;
			if (loaded[i]) {
				snprintf(err, errlen, "weight %s: appears twice", t->name);
				goto fail;
			}
			if (!m->w && model_alloc(m, err, errlen))
				goto fail;
			if (tts_read_shaped(r, &h, &want, m->w + t->offset, err, errlen) < 0)
				goto fail;
			loaded[i] = 1;
		} else if (!m->w && model_alloc(m, err, errlen)) {
			goto fail;
		} else if ((rc = features_read_record(r, &h, m, err, errlen)) != 0 ||
			   (c.user_vocab && (rc = side_columns_read_record(r, &h, "user", &m->ucols,
				0, err, errlen)) != 0) ||
			   (rc = ids_read_record(r, &h, ids, err, errlen)) != 0) {
			if (rc < 0)
				goto fail;
		} else if (strncmp(h.name, "block", 5) == 0 || strstr(h.name, "_emb") ||
			   strstr(h.name, "fc") || strncmp(h.name, "lnf", 3) == 0) {
			snprintf(err, errlen, "weight %s: not part of a %s model with these options",
				h.name, model_arch_name(c.arch));
			goto fail;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", tts_reader_error(r));
		goto fail;
	}
	for (size_t i = 0; i < m->n_tensors; i++)
		if (!loaded[i]) {
			snprintf(err, errlen, "weight %s: missing", m->spec[i].name);
			goto fail;
		}
	if (check_finite(m, err, errlen))
		goto fail;
	if (!ids->user_ids || !ids->item_ids) {
		snprintf(err, errlen, "record %s: missing", ids->user_ids ? "item_ids" : "user_ids");
		goto fail;
	}
	if (ids_check_unique(ids, err, errlen))
		goto fail;
	if (features_loaded(m, ids->titles, err, errlen))
		goto fail;
	if (c.user_vocab && (!m->ucols.C || m->ucols.off ||
	    side_vocab_size(&m->ucols) != c.user_vocab)) {
		snprintf(err, errlen, "record user_%s (the meta's user_vocab=%d)",
			!m->ucols.C ? "columns: missing" : m->ucols.off ? "value_offsets: not part of a model" :
			"vocab: not of that many values", c.user_vocab);
		goto fail;
	}
	if (c.user_vocab && side_columns_check("user", &m->ucols, 0, err, errlen))
		goto fail;
	free(loaded);
	*out = m;
	if (meta_out)
		*meta_out = meta;
	else
		free(meta);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(loaded);
	free(meta);
	model_free(m);
	prep_free(ids);
	return -1;
}

int model_load(FILE *f, model **out, prep *ids, char *err, size_t errlen)
{
	tts_reader *r = tts_reader_open(f);
	if (!r)
		return errno == ENOTSUP ? errorf(err, errlen, "streams are little-endian, this host is not")
			: nomemf(err, errlen, "a stream reader", tts_reader_bytes());
	int rc = model_read(r, out, ids, NULL, err, errlen);
	tts_reader_close(r);
	return rc;
}
