/*
 * dims.h - the dimension letters of every shape comment in lib/ and cmd/,
 * defined once here; a comment "(B,L)" means B rows of L.
 *
 *   U  users                    N  items
 *   Z  interactions             G  genres
 *   B  rows: of a batch, or of one group of a stream
 *   L  history slots per row (1..HISTORY_MAX)
 *   S  filled slots of a batch (rows stored without padding), S <= B*L
 *   T  slots with a target: the examples of a batch, T <= S
 *   M  sampled negatives per example
 *   E  embedding width: of the model, and of every vector in a stream
 *   F  hidden width of an MLP or feed-forward
 *   NH attention heads          D  E/NH, the width of one head
 *   K  recommendations per user (top-k)
 *   W  items seen by the users of a stream's group
 *   R  rows of a layer's input, whichever of the above they are
 *   V  rows of an embedding table (U, N or L)
 *
 * No code: the letters are the project's vocabulary, and this is where a
 * new one is added.
 */
