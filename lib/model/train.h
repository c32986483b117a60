/*
 * train.h - the training policy: the settings the data calls for, the loss
 * by the catalogue's size, the learning rate over the run, patience and the
 * plateau, the best epoch's weights, and the loop over epochs and steps.
 *
 * The program fills a train_options (zero, or the *_AUTO values, where the
 * command line gave nothing), has train_options_given() check it, reads
 * its input with train_read_input(), lets train_choose_prep() or
 * train_choose_batches() choose the rest by the data, and trains through
 * a trainer: train_prep() runs every epoch over a prep stream's training
 * split; train_batch_stream() takes a step a batch of a batch stream.
 * What the policy decides, it says in lines given to the note hook; what it
 * measures after each step and epoch goes to the progress hooks.  The
 * program validates (retrieval is a later stage than the model) through
 * the validate hook.
 *
 * Errors: -1 with a reason in err for data or settings that cannot train;
 * ERR_NOMEM with "out of memory for WHAT (SIZE)" when memory ran out.
 */
#ifndef TRAIN_H
#define TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "batch.h"
#include "model.h"
#include "prep.h"

/* The learning rate over the run: constant; linear, to 0 by the last
 * step; plateau, constant until the validation split stalls (patience),
 * then from the best epoch's weights at TRAIN_PLATEAU_DROP of the rate
 * until it stalls again.  A constant rate finds the region of the best
 * weights; a lower one settles in it, as the linear decay does for a run
 * whose length is known in advance. */
enum schedule { SCHED_AUTO = -1, SCHED_CONSTANT, SCHED_LINEAR, SCHED_PLATEAU, SCHED_END };
extern const char *const train_schedule_names[SCHED_END]; /* as --lr-schedule spells them */
#define TRAIN_PLATEAU_DROP 0.1

#define LOSS_AUTO -1 /* train_choose(): softmax or sampled by the catalogue */
extern const char *const train_loss_names[LOSS_END];
#define ARCH_AUTO -1 /* train_choose(): tt */
#define PRECISION_AUTO -1 /* train_choose(): bf16 where the CPU has it */
extern const char *const train_precision_names[PRECISION_END];

/* The shape of either architecture where the options gave none; the
 * history's default, HISTORY_DEFAULT, and tt's batch rows, BATCH_DEFAULT
 * (batch.h), are tt-batch's too. */
#define TRAIN_DIM 64
#define TRAIN_HEADS 2

/* With a validation split, stop after this many epochs without a better
 * NDCG@10: the epoch-to-epoch wiggle of a validation figure is a dip of
 * one or two epochs (ML-1M: at most two in 24); five is past it. */
#define TRAIN_PATIENCE 5
/* Under this many training examples per item, the sparse regime
 * (train_choose); between the two kinds of data by a factor of five or
 * six either way. */
#define TRAIN_SPARSE_BELOW 50.0
/* The sampled loss: negatives shared by a batch. */
#define TRAIN_SHARED_NEGATIVES 3000
/* The sparse regime's epochs: up to TRAIN_SPARSE_EPOCHS, the validation
 * split stopping them; without one, at a constant rate,
 * TRAIN_SPARSE_EPOCHS_BLIND, at or past where that rate stalls on Toys
 * and Sports (its best epochs there 31 to 39). */
#define TRAIN_SPARSE_EPOCHS 200
#define TRAIN_SPARSE_EPOCHS_BLIND 40

typedef struct {
	/* The model's shape: arch ARCH_AUTO, E, NH, L, F and blocks 0,
	 * dropout < 0 and positions < 0 are chosen by the architecture and
	 * the data.  With init (the shape of a model read), only the training
	 * settings are chosen. */
	model_config cfg;
	/* cfg as the options gave it (train_options_given): what the model
	 * of --init must not contradict (train_keep_shape). */
	model_config given;
	int init;
	int epochs, batch;   /* 0: chosen */
	double lr;           /* < 0: chosen */
	double weight_decay; /* < 0: chosen */
	int schedule;        /* SCHED_AUTO: chosen */
	int loss;            /* LOSS_AUTO: chosen */
	int negatives;       /* 0: chosen (sampled's shared negatives) */
	int precision;       /* PRECISION_AUTO: chosen */
	int valid;           /* validate after every epoch (validate hook) */
	int patience;        /* epochs without a better validation; < 0: chosen */
	int64_t max_steps;   /* 0: no limit */
	uint64_t seed;
	int threads;
} train_options;

/* The options as given, before anything is chosen: kept in o->given;
 * the plateau and patience imply valid.  -1 with the reason in err when
 * they contradict each other (--dim not a multiple of --heads) or one
 * has no effect (a part of tt with the seed, negatives with the full
 * softmax): refused, not quietly dropped. */
int train_options_given(train_options *o, char *err, size_t errlen);

/* What the policy needs to know of the data: its training examples per
 * epoch and its items; a batch stream's epochs are its own. */
typedef struct {
	int64_t examples, items;
	int from_batches;
} train_data;

typedef void (*train_note_fn)(void *ctx, const char *line);

/* Every chosen setting of o from the data: the architecture's recipe, the
 * regime by training examples per item, the loss by the number of items,
 * the patience.  Each decision that set something is said in a line to
 * note (NULL: silent); a setting the options gave is kept. */
void train_choose(train_options *o, const train_data *d, train_note_fn note, void *ctx);

/* A training input from r: a prep stream, whole, into p (0), or a batch
 * stream's meta into bm (1), its batches left for train_batch_stream();
 * -1 with the reason in err. */
int train_read_input(tts_reader *r, prep *p, batch_meta *bm, char *err, size_t errlen);
/* Every chosen setting for training on p: its sizes, train_choose() by its
 * counts, and with features the item and user features its side data
 * allows, each said in a line (none for the model of --init, whose
 * features are its own). */
void train_choose_prep(train_options *o, const prep *p, int features, train_note_fn note,
	void *ctx);
/* Every chosen setting for training on a batch stream of meta bm: its
 * users, items and history, its epochs and batch rows (for the model's
 * meta), then train_choose() by its counts.  The stream was cut to its
 * history, epochs and batch rows (tt-batch's options): -1 with the
 * reason in err when o gave another of any, a mistake, not a wish. */
int train_choose_batches(train_options *o, const batch_meta *bm, train_note_fn note, void *ctx,
	char *err, size_t errlen);

/* The model of --init (its config m, read from init_name) keeps its
 * architecture and sizes: -1 with the reason in err when o gave others.
 * Its architecture becomes o's, so that train_choose() (called after)
 * follows its recipe, as if --arch had named it: a seed model trains as
 * the seed does, not by tt's batch rows, rate and regime. */
int train_keep_shape(train_options *o, const model_config *m, const char *init_name,
	char *err, size_t errlen);
/* The model of --init, old (read from init_name; its ids old_ids), for
 * training on p: its rows carried by id (model_carry), and a line to
 * note saying how many were carried, new and gone.  NULL with the reason
 * in err, as model_carry. */
model *train_carry(const model *old, const prep *old_ids, const prep *p, uint64_t seed,
	const char *init_name, train_note_fn note, void *ctx, char *err, size_t errlen);

/* A model with features learns its items' side data, and which items p's
 * training rows hold (the others are placed by their features alone). */
int train_give_side_data(model *m, const prep *p, char *err, size_t errlen);

/* Where a run is, for the progress hooks. */
typedef struct {
	int64_t epoch, epochs;   /* this epoch (from 1) and the most there will be */
	int64_t step, planned;   /* steps taken; steps the whole run plans (0: unknown) */
	int64_t seen, per_epoch; /* examples of this epoch so far; in an epoch (0: unknown) */
	double loss;             /* mean loss over this epoch's steps so far */
	double epoch_seconds, seconds; /* this epoch's time, the run's */
	int valid;               /* hr10 and ndcg10 hold this epoch's validation */
	double hr10, ndcg10;
} train_progress;

typedef struct {
	void *ctx;
	/* HR@10 and NDCG@10 of the model on the validation split; -1 with a
	 * reason in err ends the run with it. */
	int (*validate)(void *ctx, model *m, double *hr10, double *ndcg10, char *err, size_t errlen);
	void (*step)(void *ctx, const train_progress *p);  /* after every step; may be NULL */
	void (*epoch)(void *ctx, const train_progress *p); /* after every epoch; may be NULL */
	train_note_fn note; /* decisions during the run (plateau, stop); may be NULL */
	/* Set by a signal handler: the run stops after the step that sees it
	 * (on every process of a job together). */
	volatile sig_atomic_t *stop;
} train_hooks;

typedef struct {
	model *m;
	const train_options *o;
	train_hooks h;
	sampler neg;         /* the sampled loss's negatives */
	int64_t step, planned;
	double lr_scale;     /* of lr: 1, or TRAIN_PLATEAU_DROP after the plateau */
	uint64_t rng;        /* dropout */
	float *best;         /* the best epoch's weights, with valid */
	double best_ndcg;
	int best_epoch;
	int threads;         /* the threads training uses (at most MODEL_THREADS_MAX) */
	int interrupted;     /* a stop was seen: the run ended early */
	/* train_batch_stream: batches taken, where the run is; the epoch's
	 * batches and summed loss (stream.per_epoch, when the meta has it,
	 * tells where an epoch ends) */
	int64_t batches, epoch_batches;
	double epoch_loss, stream_start, epoch_start;
	train_progress stream;
} trainer;

/* A trainer of m with the chosen options o (kept by the caller). */
void train_init(trainer *t, model *m, const train_options *o, const train_hooks *h);
/* Every epoch over p's training split, with validation, the schedule,
 * patience and the plateau as o says; the best epoch's weights kept. */
int train_prep(trainer *t, const prep *p, char *err, size_t errlen);
/* Every batch of a batch stream after its meta bm, one step each, the
 * steps planned and the epochs' ends by bm: its id maps (into ids,
 * numbered from 1 when the stream has none) come before the batches.
 * model_ids, when not NULL (the model of --init's), must be the
 * stream's, id for id: batches hold row numbers, which carry no ids to
 * carry rows by.  An epoch cut short (max_steps, a stop) is reported to
 * the epoch hook at the end.  Errors name the batch. */
int train_batch_stream(trainer *t, tts_reader *r, const batch_meta *bm, prep *ids,
	const prep *model_ids, char *err, size_t errlen);
/* The weights the run ends with into the model: the best epoch's, when
 * there was a validation. */
void train_finish(trainer *t);
/* The run's settings and results for the model's meta (model_write's
 * extra_meta), into buf. */
void train_meta(const trainer *t, char *buf, size_t n);
void train_free(trainer *t);

#endif
