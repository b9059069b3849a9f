/* bar-config, a compiled config program (as pg_config is): built for the host. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cflags") != 0) {
            fprintf(stderr, "usage: bar-config --cflags\n");
            return 1;
        }
        printf("-I/usr/include/bar\n");
    }
    return 0;
}
