/* idna_fuzz.c - libFuzzer harness for lt_resolve_idna (IDNA 2008 / UTS 46 through
** libidn2): any byte string, valid UTF-8 or not, is encoded or refused with -EINVAL /
** -ENOMEM; an encoded name is ASCII, and an ASCII input comes back unchanged. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *host = malloc(size + 1);
  if (!host) return 0;
  memcpy(host, data, size);
  host[size] = '\0';  /* the binding passes NUL-terminated Lua strings */
  char *out = NULL;
  int r = lt_resolve_idna(host, &out);
  if (r == 0) {
    if (!out) abort();
    int ascii = 1;
    for (const unsigned char *p = (const unsigned char *)host; *p; p++) ascii &= *p < 0x80;
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
      if (*p >= 0x80) abort();  /* an encoded name is ASCII */
    if (ascii && strcmp(out, host) != 0) abort();
    free(out);
  } else if (r != -EINVAL && r != -ENOMEM) {
    abort();
  }
  free(host);
  return 0;
}
