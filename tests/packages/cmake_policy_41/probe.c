/* Run by try_run at configure time: the machine it runs on, as uname reports it. */
#include <stdio.h>
#include <sys/utsname.h>

int main(void) {
    struct utsname name;
    if (uname(&name) != 0) return 1;
    printf("%s\n", name.machine);
    return 0;
}
