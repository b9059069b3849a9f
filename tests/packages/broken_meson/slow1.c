/* Compiles, slowly, with a dozen warnings: its output comes after broken.c has failed. */
#include "slow.h"

SLOW_UNIT(1)
