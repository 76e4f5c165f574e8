/* wordfreq [-n TOP] [FILE...]: the most frequent words of the files (or stdin). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wordfreq.h"

static unsigned long count_words(FILE *in, struct table *t)
{
    char word[256];
    unsigned long total = 0;

    while (next_word(in, word, sizeof word) > 0) {
        table_add(t, word);
        total++;
    }
    return total;
}

int main(int argc, char **argv)
{
    struct table t;
    struct entry **sorted;
    unsigned long total = 0;
    size_t top = 10;
    int i = 1, status = 0;

    if (i + 1 < argc && strcmp(argv[i], "-n") == 0) {
        top = (size_t)strtoul(argv[i + 1], NULL, 10);
        i += 2;
    }
    table_init(&t, 64);
    if (i == argc)
        total = count_words(stdin, &t);
    for (; i < argc; i++) {
        FILE *in = fopen(argv[i], "r");
        if (!in) {
            fprintf(stderr, "wordfreq: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        total += count_words(in, &t);
        fclose(in);
    }
    sorted = table_sorted(&t);
    report(stdout, sorted, t.size, top, total);
    free(sorted);
    table_free(&t);
    return status;
}
