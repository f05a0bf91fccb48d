/* status.c — thread-local error messages (see include/redes/status.h). */
#include "redes/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MESSAGE_CAPACITY = 1024 };

static _Thread_local char last_message[MESSAGE_CAPACITY];

rn_status rn_error(rn_status code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(last_message, sizeof last_message, format, args);
    va_end(args);
    return code;
}

rn_status rn_error_context(rn_status code, const char *format, ...)
{
    char previous[MESSAGE_CAPACITY];
    char context[MESSAGE_CAPACITY];
    memcpy(previous, last_message, sizeof previous);
    va_list args;
    va_start(args, format);
    vsnprintf(context, sizeof context, format, args);
    va_end(args);
    /* Join into a buffer large enough for both, then keep what fits. */
    char joined[2 * MESSAGE_CAPACITY + 4];
    if (previous[0] != '\0')
        snprintf(joined, sizeof joined, "%s: %s", context, previous);
    else
        snprintf(joined, sizeof joined, "%s", context);
    size_t length = strlen(joined);
    if (length >= MESSAGE_CAPACITY) length = MESSAGE_CAPACITY - 1;
    memcpy(last_message, joined, length);
    last_message[length] = '\0';
    return code;
}

const char *rn_error_message(void) { return last_message; }

void rn_error_clear(void) { last_message[0] = '\0'; }

const char *rn_status_string(rn_status status)
{
    switch (status) {
    case RN_OK: return "ok";
    case RN_ERR_ARGUMENT: return "invalid argument";
    case RN_ERR_IO: return "input/output error";
    case RN_ERR_FORMAT: return "format error";
    case RN_ERR_MEMORY: return "out of memory";
    case RN_ERR_SHAPE: return "shape mismatch";
    case RN_ERR_NUMERIC: return "numerical error";
    case RN_ERR_UNSUPPORTED: return "unsupported";
    case RN_ERR_STATE: return "invalid state";
    }
    return "unknown status";
}
