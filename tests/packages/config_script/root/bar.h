/* libbar's header: only in the test root. */
#define BAR_VALUE 7
