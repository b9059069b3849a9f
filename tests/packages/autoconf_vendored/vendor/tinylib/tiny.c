#include "config.h"
#include "tiny.h"

const char *tiny_host(void) { return TINY_HOST; }
int tiny_sizeof_long(void) { return SIZEOF_LONG; }
#ifdef HAVE_SYS_EPOLL_H
int tiny_has_epoll(void) { return 1; }
#else
int tiny_has_epoll(void) { return 0; }
#endif
