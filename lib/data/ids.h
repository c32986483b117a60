/*
 * ids.h - the text records that name users and items for people: string
 * ids (user_names, item_names), titles (one line per item, in prep, model
 * and embeddings streams) and genre names.  The records of a prep's
 * numbering as a whole are prep.h's ids_write and ids_read_record.
 *
 * String ids.  Inside every stream and program an id is an int64.  A
 * side (users or items) of a data set whose every id is a canonical
 * decimal integer (digits, no sign, no leading zero but "0" itself, at
 * most 2^63 - 1) keeps those integers.  Any other side is textual: each
 * id is a string of 1 to ID_TEXT_MAX bytes of UTF-8 with no control
 * character, not beginning with '#', its int64 is id_hash() of its bytes, and the strings travel
 * beside the ids in a text record of one line per id (user_names beside
 * user_ids, item_names beside item_ids), whose presence is what makes the
 * side textual.  tt-stream(5) has the hash, for other languages.
 */
#ifndef IDS_H
#define IDS_H

#include <stddef.h>
#include <stdint.h>
#include "tts.h"

/* ---- string ids ---- */

#define ID_TEXT_MAX 255 /* bytes of a string id */
#define ID_BUF 24       /* room for an integer id in decimal and its NUL */

/* The id of a string: FNV-1a 64 over its n bytes, then splitmix64's
 * finaliser, the top bit cleared (0 .. 2^63 - 1). */
int64_t id_hash(const char *s, size_t n);
/* Whether s (n bytes) is a canonical decimal integer within int64, and
 * its value in *v. */
int id_is_integer(const char *s, size_t n, int64_t *v);
/* Why s (n bytes) cannot be a string id, as a phrase ("is empty", "is
 * longer than 255 bytes", "begins with '#', ...", "is not valid UTF-8",
 * "holds a control character"); NULL when it can.  A '#' first starts
 * a comment in the lists of ids people write (--exclude files, tt-topk
 * --similar's list), which would drop such an id silently. */
const char *id_text_bad(const char *s, size_t n);
/* Up to 40 bytes of s (n bytes) for a message in buf (ID_SHOWN bytes):
 * control characters, and every byte of text that is not UTF-8, as
 * \xHH; "..." when there is more. */
#define ID_SHOWN 168
const char *id_shown(const char *s, size_t n, char *buf);
/* An id typed by a person (a history for tt-rec, an exclusion list, a
 * catalogue line): of a textual side (textual non-zero) its hash, else
 * the integer ("0042" is 42 there).  -1 with err "what id 'S' ..." (what:
 * "user", "item"). */
int id_parse(const char *s, int textual, const char *what, int64_t *id, char *err,
	size_t errlen);
/* An id for printing: names[i] when the side is textual (names not
 * NULL), else ids[i] in decimal in buf (ID_BUF bytes).  For an id
 * without its index, id_lookup.h gives the index. */
const char *id_name(char *const *names, const int64_t *ids, int64_t i, char *buf);

/* The distinct strings of a textual column as it is read, each kept
 * once and numbered from 0 in order of first appearance (the index), its
 * id its hash.  bits: the hash's width, 63; fewer only for tests (so
 * that strings collide). */
typedef struct id_dict id_dict;
id_dict *id_dict_new(int bits);
void id_dict_free(id_dict *d);
/* The index of s (n bytes, which id_text_bad takes), added when new.
 * 0; -1 when another string has its id (*other that string); -2 out of
 * memory (or beyond 2^31 - 1 strings). */
int id_dict_add(id_dict *d, const char *s, size_t n, int64_t *index, const char **other);
/* The index of s, -1 when it is not there (or another string has its
 * id, which id_dict_add says): added nothing. */
int64_t id_dict_find(id_dict *d, const char *s, size_t n);
int64_t id_dict_count(const id_dict *d);
int64_t id_dict_id(const id_dict *d, int64_t index);
const char *id_dict_name(const id_dict *d, int64_t index);
/* The n indices at ids made ids, and their strings (*names: a malloc'd
 * array of malloc'd strings); -1 out of memory. */
int id_dict_resolve(const id_dict *d, int64_t *ids, int64_t n, char ***names);

/* A names record (user_names, item_names) of the n strings of a textual
 * side; the record h read back, n lines, into a malloc'd array of
 * malloc'd strings (*out), each a string id; and, once the ids are
 * read too, each name's hash its id.  -1 with err naming the record and
 * the line or id. */
int names_write(tts_writer *w, const char *name, char *const *names, int64_t n);
int names_read(tts_reader *r, const tts_header *h, int64_t n, char ***out, char *err,
	size_t errlen);
int names_check(const char *name, char *const *names, const int64_t *ids, int64_t n,
	char *err, size_t errlen);
/* Free the n strings and the array (NULL is nothing). */
void names_free(char **names, int64_t n);

/* The genre_names and genres (N,G) records, of a prep or a model with
 * item features. */
int genres_write(tts_writer *w, int64_t n_items, int32_t G, char *const *names,
	const uint8_t *genres);
/* A titles record of n lines, in pieces: titles[i] (NULL an empty line),
 * newlines inside a title made spaces. */
int titles_write(tts_writer *w, char *const *titles, int64_t n);
/* The titles record h, of n lines (the last one's newline optional),
 * into *text (grown as tts_read_into grows it, *cap its size), each line
 * NUL-terminated there and lines[i] (room for n) pointing at it. */
int titles_read(tts_reader *r, const tts_header *h, int64_t n, char **text,
	size_t *cap, char **lines, char *err, size_t errlen);
/* Each of the n ids of record name once (two users with one id would be
 * one person with two histories); -1 with err naming the record and the
 * id, or when out of memory. */
int ids_unique(const char *name, const int64_t *ids, int64_t n, char *err,
	size_t errlen);
/* Split text into n lines (missing lines are empty): a malloc'd array of
 * malloc'd strings, NULL when out of memory. */
char **split_lines(const char *text, int64_t n);

#endif
