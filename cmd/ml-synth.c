/* ml-synth - synthetic MovieLens-format ratings with learnable structure. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ratings.h"
#include "synth.h"

static void usage(void)
{
	printf("usage: %s [options] > ratings.dat\n"
		"Write synthetic ratings in a MovieLens format (ML-1M's shape by default).\n"
		"  -u, --users N        users (default 6040)\n"
		"  -i, --items N        items (default 3706)\n"
		"  -r, --ratings N      ratings (default 1000209; at least 20 per user)\n"
		"  -s, --seed S         random seed (default 1)\n"
		"  -f, --format FMT     dat, tsv, csv, seq (default dat), or shop: an event\n"
		"                       log with string ids and ISO times\n"
		"      --per-user       seq: one line per user, 'user item1 item2 ...'\n"
		"      --movies FILE    also write movies.dat-style metadata to FILE\n"
		"      --users-out FILE also write users.dat-style metadata to FILE\n"
		"  -o, --output FILE    write the ratings to FILE instead of standard output\n"
		"  -h, --help           this help\n"
		"  -V, --version        print the version\n", progname);
	stdout_close();
	exit(0);
}

enum { O_MOVIES = 256, O_USERS_OUT, O_PER_USER };

static const struct option longopts[] = {
	{ "users", required_argument, NULL, 'u' },
	{ "items", required_argument, NULL, 'i' },
	{ "ratings", required_argument, NULL, 'r' },
	{ "seed", required_argument, NULL, 's' },
	{ "format", required_argument, NULL, 'f' },
	{ "per-user", no_argument, NULL, O_PER_USER },
	{ "movies", required_argument, NULL, O_MOVIES },
	{ "users-out", required_argument, NULL, O_USERS_OUT },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The files are all written before any replaces its name: a failure
 * leaves every previous file as it was. */
static void write_file(output *o, const char *path, const synth_data *d,
	int (*fn)(FILE *, const synth_data *))
{
	if (o && fn(output_file(o), d) != 0)
		die_errno("%s: write failed", path ? path : "standard output");
}

/* --format: a ratings format, or shop (*shop set). */
static int parse_format(const char *s, int *shop)
{
	const char *names[RF_SEQ - RF_DAT + 2];
	int n = 0;
	for (int f = RF_DAT; f <= RF_SEQ; f++)
		names[n++] = rating_format_names[f];
	names[n++] = "shop";
	int i = parse_choice("--format", s, names, n);
	*shop = i == n - 1;
	return *shop ? RF_DAT : RF_DAT + i;
}

int main(int argc, char **argv)
{
	synth_options o = { 6040, 3706, 1000209, 1 };
	const char *movies = NULL, *users_out = NULL, *out_path = NULL;
	int format = RF_DAT, per_user = 0, shop = 0, c;
	char err[256];

	cli_init(argv);
	while ((c = getopt_long(argc, argv, "u:i:r:s:f:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': o.users = parse_int("--users", optarg, 1, 100000000); break;
		case 'i': o.items = parse_int("--items", optarg, 40, 100000000); break;
		case 'r': o.ratings = parse_int("--ratings", optarg, 20, 2000000000); break;
		case 's': o.seed = (uint64_t)parse_int("--seed", optarg, 0, INT64_MAX); break;
		case 'f':
			format = parse_format(optarg, &shop);
			break;
		case O_PER_USER: per_user = 1; break;
		case O_MOVIES: movies = optarg; break;
		case O_USERS_OUT: users_out = optarg; break;
		case 'o': out_path = optarg; break;
		case 'h': usage(); break;
		case 'V': print_version();
		default: usage_hint();
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (per_user && format != RF_SEQ)
		usage_error("--per-user needs --format seq");
	if (o.ratings < 20 * o.users || o.ratings > o.users * (o.items / 2))
		usage_error("--ratings must be between 20 * users and users * items / 2");
	output *out = output_open(out_path);
	output *mo = movies ? output_open(movies) : NULL;
	output *uo = users_out ? output_open(users_out) : NULL;
	synth_data d;
	if (synth_generate(&o, &d, err, sizeof err) != 0)
		die("%s", err);
	if ((shop ? synth_write_shop(output_file(out), &d) :
	     synth_write_ratings(output_file(out), &d, format, per_user)) != 0)
		die_errno("%s: write failed", out_path ? out_path : "standard output");
	write_file(mo, movies, &d, synth_write_movies);
	write_file(uo, users_out, &d, synth_write_users);
	output_commit(out);
	if (mo)
		output_commit(mo);
	if (uo)
		output_commit(uo);
	synth_free(&d);
	stdout_close();
	return 0;
}
