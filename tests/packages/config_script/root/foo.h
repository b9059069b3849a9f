/* libfoo: only in the test root. */
int foo_answer(void);
