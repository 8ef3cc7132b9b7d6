/*
 * hostds-trim: a node addon that gives back the agent's start-up pages (docs/memory-trim.md).
 *
 * Why: a node process maps ~35 MiB of its own binary while it starts (relocations, the V8
 * snapshot, the embedded builtins, code run once), and those pages stay in its page tables for
 * the whole life of a daemon manager that then needs a few MiB of them. Node has no call for
 * this; madvise(MADV_DONTNEED) on a clean, private, read-only file mapping only drops the page
 * table entries: the pages stay in the page cache and a later access maps them again, as for any
 * page the kernel reclaimed. Which mappings are safe is decided in JavaScript from smaps
 * (src/agent/memory-trim.ts); this file only carries out the two calls node cannot make.
 *
 *   drop(ranges: Float64Array)  [start, length, start, length, ...], each a page-aligned integer
 *                               below 2^53 (throws otherwise, before any madvise); returns the
 *                               errno of the first madvise that failed, 0 when all succeeded
 *   mallocTrim()                glibc's malloc_trim(0): returns free heap pages to the kernel
 *                               (returns -1 without glibc)
 */
#define _GNU_SOURCE
/* N-API 8 (node 12.22+): the one ABI this addon is built for, whatever headers build it. */
#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static napi_value int_value(napi_env env, int32_t v) {
  napi_value out;
  if (napi_create_int32(env, v, &out) != napi_ok) return NULL;
  return out;
}

/* A start or length the JavaScript side could only have got wrong: checked before it is used.
 * The range test comes first (NaN fails it), so the cast that follows is defined. */
static int valid_quantity(double v, uint64_t page) {
  if (!(v >= 0 && v <= 9007199254740992.0)) return 0;
  uint64_t n = (uint64_t)v;
  return (double)n == v && n % page == 0;
}

static napi_value drop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_typedarray_info(env, arg, &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_float64_array || length % 2 != 0) {
    napi_throw_type_error(env, NULL, "drop: expected a Float64Array of [start, length] pairs");
    return NULL;
  }
  const double *pairs = data;
  const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  for (size_t i = 0; i < length; i++) {
    if (!valid_quantity(pairs[i], page)) {
      napi_throw_range_error(env, NULL, "drop: starts and lengths must be page-aligned integers below 2^53");
      return NULL;
    }
  }
  int first_error = 0;
  for (size_t i = 0; i < length; i += 2) {
    uintptr_t start = (uintptr_t)pairs[i];
    size_t len = (size_t)pairs[i + 1];
    if (madvise((void *)start, len, MADV_DONTNEED) != 0 && first_error == 0) first_error = errno;
  }
  return int_value(env, first_error);
}

static napi_value malloc_trim_all(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __GLIBC__
  return int_value(env, malloc_trim(0));
#else
  return int_value(env, -1);
#endif
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "drop", NAPI_AUTO_LENGTH, drop, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "drop", fn) != napi_ok ||
      napi_create_function(env, "mallocTrim", NAPI_AUTO_LENGTH, malloc_trim_all, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "mallocTrim", fn) != napi_ok)
    return NULL;
  return exports;
}
