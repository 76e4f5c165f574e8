#include <ctype.h>

#include "wordfreq.h"

size_t next_word(FILE *in, char *buf, size_t bufsize)
{
    size_t len = 0;
    int c;

    /* Skip to the first character of a word. */
    while ((c = getc(in)) != EOF && !isalnum(c))
        ;
    while (c != EOF) {
        if (isalnum(c)) {
            if (len + 1 < bufsize)
                buf[len++] = (char)tolower(c);
        } else if (c == '\'') {
            /* Keep an apostrophe only inside a word: "don't", not "'quoted'". */
            int d = getc(in);
            if (d == EOF || !isalnum(d)) {
                if (d != EOF)
                    ungetc(d, in);
                break;
            }
            if (len + 2 < bufsize) {
                buf[len++] = '\'';
                buf[len++] = (char)tolower(d);
            }
        } else {
            break;
        }
        c = getc(in);
    }
    buf[len] = '\0';
    return len;
}
