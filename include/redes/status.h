/* status.h — errors are values.
 *
 * Every fallible library function returns an rn_status (or NULL) and records a
 * human-readable message in thread-local storage.  The library never prints
 * and never exits: the caller (usually the CLI) decides what to show.
 *
 *   rn_status s = rn_idx_load(path, &images);
 *   if (s != RN_OK) fprintf(stderr, "%s\n", rn_error_message());
 */
#ifndef REDES_STATUS_H
#define REDES_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rn_status {
    RN_OK = 0,
    RN_ERR_ARGUMENT,    /* a bad argument or option value */
    RN_ERR_IO,          /* open/read/write/rename failed */
    RN_ERR_FORMAT,      /* a file is malformed or truncated */
    RN_ERR_MEMORY,      /* an allocation failed */
    RN_ERR_SHAPE,       /* tensor shapes do not fit together */
    RN_ERR_NUMERIC,     /* NaN, infinity or divergence */
    RN_ERR_UNSUPPORTED, /* valid request this build cannot do */
    RN_ERR_STATE        /* an object used in the wrong state */
} rn_status;

/* Records a printf-style message for this thread and returns `code`,
 * so that `return rn_error(RN_ERR_IO, "%s: %s", path, strerror(errno));`
 * is the idiom for failing. */
rn_status rn_error(rn_status code, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepends context to the current message ("loading model: <old message>")
 * and returns `code`. Use when passing an error up through a layer that
 * knows something the lower one did not (a file name, an epoch). */
rn_status rn_error_context(rn_status code, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* The message of the last error on this thread ("" if none). */
const char *rn_error_message(void);
void rn_error_clear(void);

/* A short name for a status code ("format error"). */
const char *rn_status_string(rn_status status);

/* Propagates a failure: RN_CHECK(rn_tensor_alloc(&t, 2, shape)); */
#define RN_CHECK(call)                                                          \
    do {                                                                        \
        rn_status rn_check_status_ = (call);                                    \
        if (rn_check_status_ != RN_OK) return rn_check_status_;                 \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif
