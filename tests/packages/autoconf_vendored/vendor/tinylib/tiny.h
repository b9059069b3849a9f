const char *tiny_host(void);
int tiny_sizeof_long(void);
int tiny_has_epoll(void);
