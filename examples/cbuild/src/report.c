#include "wordfreq.h"

void report(FILE *out, struct entry **sorted, size_t n, size_t top, unsigned long total)
{
    size_t i;

    if (top == 0 || top > n)
        top = n;
    for (i = 0; i < top; i++)
        fprintf(out, "%7lu %s\n", sorted[i]->count, sorted[i]->word);
    fprintf(out, "%lu words, %zu distinct\n", total, n);
}
