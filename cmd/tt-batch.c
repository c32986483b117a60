/* tt-batch - training batches from a prep stream, exactly as tt-fit makes them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch.h"
#include "cli.h"
#include "ids.h"
#include "prep.h"
#include "tts.h"

static const char usage_text[] =
"usage: tt-batch [options] [FILE] > batches.tts\n"
"Cut the training interactions of a prep stream into batches for tt-fit:\n"
"rows of up to L items, each slot's target the item that came next.\n"
"\n"
"  -L, --history L      slots per row (" HISTORY_DEFAULT_TEXT ", as tt-fit)\n"
"  -b, --batch B        rows per batch (" BATCH_DEFAULT_TEXT ", as tt-fit's default architecture)\n"
"  -e, --epochs E       passes over the data, each in a new order (1)\n"
"  -s, --seed S         random seed of the order, as tt-fit --seed (1)\n"
"  -o, --output FILE    write to FILE (atomically) instead of stdout\n"
"  -l, --level N        zstd level (3)\n"
"  -h, --help           this help\n"
"  -V, --version        version\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "history", required_argument, NULL, 'L' },
		{ "batch", required_argument, NULL, 'b' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "seed", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t L = HISTORY_DEFAULT, B = BATCH_DEFAULT, epochs = 1;
	uint64_t seed = 1;
	int level = 3, ch;
	const char *outpath = NULL;
	cli_init(argv);
	while ((ch = getopt_long(argc, argv, "L:b:e:s:o:l:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'L': L = parse_int("--history", optarg, 1, HISTORY_MAX); break;
		case 'b': B = parse_int("--batch", optarg, 1, 1 << 20); break;
		case 'e': epochs = parse_int("--epochs", optarg, 1, 1000000); break;
		case 's': seed = (uint64_t)parse_int("--seed", optarg, 0, INT64_MAX); break;
		case 'o': outpath = optarg; break;
		case 'l': level = (int)parse_int("--level", optarg, 1, 19); break;
		case 'h': fputs(usage_text, stdout); stdout_close(); exit(0);
		case 'V': print_version();
		default: usage_hint();
		}
	}
	if (argc - optind > 1)
		usage_error("at most one input file");
	const char *inpath = optind < argc ? argv[optind] : NULL;
	output_apart(outpath, inpath);

	char err[512];
	prep p;
	FILE *in = input_open(inpath);
	tts_reader *r = stream_reader(in);
	if (prep_read(r, &p, err, sizeof err))
		die("%s: %s", input_name(inpath), err);
	if (prep_train_examples(&p) == 0)
		die("%s: no training examples (every user needs 2 training interactions)",
			input_name(inpath));
	batcher bb;
	batch bt;
	if (batcher_init(&bb, &p, L, B, seed) || batch_alloc(&bt, B, L))
		die_oom("the batcher's rows and a batch", (size_t)p.n_inter * 3 * sizeof(int64_t) +
			(size_t)B * L * 2 * sizeof(int32_t));

	if (!outpath || strcmp(outpath, "-") == 0)
		refuse_tty(stdout);
	output *o = output_open(outpath);
	tts_writer *w = stream_writer(output_file(o), level);
	batch_meta bm = {
		.users = p.n_users, .items = p.n_items, .history = L, .batch = B,
		.epochs = epochs, .seed = seed,
		.examples_per_epoch = prep_train_examples(&p),
		.steps = epochs * ((bb.n_rows + B - 1) / B),
	};
	if (batch_meta_write(w, &bm) || ids_write(w, &p))
		die("%s: %s", outpath ? outpath : "standard output", tts_writer_error(w));
	for (int64_t e = 1; e <= epochs; e++) {
		batcher_epoch(&bb, e);
		while (batcher_next(&bb, &bt))
			if (batch_write(w, &bt) || tts_flush(w))
				die("%s: %s", outpath ? outpath : "standard output", tts_writer_error(w));
	}
	if (tts_writer_close(w, err, sizeof err))
		die("%s: %s", outpath ? outpath : "standard output", err);
	output_commit(o);
	batch_free(&bt);
	batcher_free(&bb);
	tts_reader_close(r);
	prep_free(&p);
	stdout_close();
	return 0;
}
