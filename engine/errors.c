/* errors.c - descriptions of engine result codes. */
#include "errors.h"

#include <string.h>

const char *lt_strerror(int err) {
  switch (err) {
    case 0: return "success";
    case LT_ECANCELLED: return "cancelled";
    case LT_ECLOSED: return "another task closed this fd";
    case LT_EBUSY: return "another task is already using this fd";
    case LT_EINTERRUPT: return "interrupted";
    case LT_EGAI: return "name resolution failed";
    case LT_EWOULDBLOCK: return "operation would block";
    case LT_ERUNTIME: return "runtime error";
    default: return err < 0 ? strerror(-err) : "unknown error";
  }
}
