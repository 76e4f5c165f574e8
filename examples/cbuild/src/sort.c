#include <stdlib.h>
#include <string.h>

#include "wordfreq.h"

static int by_count_then_word(const void *a, const void *b)
{
    const struct entry *x = *(const struct entry *const *)a;
    const struct entry *y = *(const struct entry *const *)b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->word, y->word);
}

struct entry **table_sorted(const struct table *t)
{
    struct entry **all = malloc((t->size ? t->size : 1) * sizeof *all);
    size_t i, n = 0;

    if (!all) {
        perror("wordfreq");
        exit(2);
    }
    for (i = 0; i < t->nbuckets; i++) {
        struct entry *e;
        for (e = t->buckets[i]; e; e = e->next)
            all[n++] = e;
    }
    qsort(all, n, sizeof *all, by_count_then_word);
    return all;
}
