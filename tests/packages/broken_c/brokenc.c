/* This does not compile: the build must fail, loudly. */
#include <Python.h>

int broken = ;
