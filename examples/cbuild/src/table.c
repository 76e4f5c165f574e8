#include <stdlib.h>
#include <string.h>

#include "wordfreq.h"

static unsigned long hash(const char *s)
{
    unsigned long h = 5381; /* djb2 */
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        perror("wordfreq");
        exit(2);
    }
    return p;
}

void table_init(struct table *t, size_t nbuckets)
{
    t->buckets = xmalloc(nbuckets * sizeof *t->buckets);
    memset(t->buckets, 0, nbuckets * sizeof *t->buckets);
    t->nbuckets = nbuckets;
    t->size = 0;
}

static void grow(struct table *t)
{
    struct table bigger;
    size_t i;

    table_init(&bigger, t->nbuckets * 2);
    for (i = 0; i < t->nbuckets; i++) {
        struct entry *e = t->buckets[i], *next;
        for (; e; e = next) {
            size_t b = hash(e->word) % bigger.nbuckets;
            next = e->next;
            e->next = bigger.buckets[b];
            bigger.buckets[b] = e;
        }
    }
    free(t->buckets);
    t->buckets = bigger.buckets;
    t->nbuckets = bigger.nbuckets;
}

void table_add(struct table *t, const char *word)
{
    size_t b = hash(word) % t->nbuckets;
    struct entry *e;

    for (e = t->buckets[b]; e; e = e->next) {
        if (strcmp(e->word, word) == 0) {
            e->count++;
            return;
        }
    }
    e = xmalloc(sizeof *e);
    e->word = xmalloc(strlen(word) + 1);
    strcpy(e->word, word);
    e->count = 1;
    e->next = t->buckets[b];
    t->buckets[b] = e;
    if (++t->size > t->nbuckets * 2)
        grow(t);
}

void table_free(struct table *t)
{
    size_t i;
    for (i = 0; i < t->nbuckets; i++) {
        struct entry *e = t->buckets[i], *next;
        for (; e; e = next) {
            next = e->next;
            free(e->word);
            free(e);
        }
    }
    free(t->buckets);
    t->buckets = NULL;
    t->nbuckets = t->size = 0;
}
