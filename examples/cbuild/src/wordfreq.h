/* wordfreq: count how often each word occurs in a text and print the most common. */
#ifndef WORDFREQ_H
#define WORDFREQ_H

#include <stddef.h>
#include <stdio.h>

/* One distinct word and how many times it was seen. */
struct entry {
    char *word;
    unsigned long count;
    struct entry *next; /* next entry in the same hash bucket */
};

/* A hash table of words (separate chaining). */
struct table {
    struct entry **buckets;
    size_t nbuckets;
    size_t size; /* number of distinct words */
};

/* words.c: read the next word of `in` (letters, digits and inner apostrophes,
 * lower-cased) into buf; returns its length, or 0 at the end of the input. */
size_t next_word(FILE *in, char *buf, size_t bufsize);

/* table.c */
void table_init(struct table *t, size_t nbuckets);
void table_add(struct table *t, const char *word); /* counts one occurrence */
void table_free(struct table *t);

/* sort.c: the entries of t in an array sorted by count (descending), then word;
 * the caller frees the array (not the entries). */
struct entry **table_sorted(const struct table *t);

/* report.c: print the `top` most frequent words (all if top is 0) and a total line. */
void report(FILE *out, struct entry **sorted, size_t n, size_t top, unsigned long total);

#endif
