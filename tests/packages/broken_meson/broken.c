/* The first real failure of the build: this does not compile. */
int brokenmeson_value = ;
