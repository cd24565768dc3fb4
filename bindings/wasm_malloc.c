/* A small allocator for both wasm builds, in place of wasi-libc's dlmalloc
 * (about 9 KB of code, the largest single piece of libc in the module) and
 * Emscripten's emmalloc (docs/build.md "Sizes"). Compiled as C, wasm only.
 *
 * Power-of-two size classes with one free list each; memory comes from
 * the initial memory after __heap_base, then memory.grow, and is never
 * returned, which suits an engine that lives as long as its isolate and
 * whose allocations are small strings and vectors. Every block has a
 * 16-byte header (the result is 16-aligned, as max_align_t requires on
 * wasm32); the 8 bytes before the pointer hold the offset back to the block
 * start and the class. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MIN_CLASS 5 /* 32-byte blocks */
#define MAX_CLASS 31
#define HEADER 16u
#define CHUNK (64u * 1024u)

static void* free_lists[MAX_CLASS + 1];
static uintptr_t bump_pos;
static uintptr_t bump_end;

static unsigned class_for(size_t total) {
  if (total <= ((size_t)1 << MIN_CLASS)) return MIN_CLASS;
  return 32u - (unsigned)__builtin_clz((unsigned)(total - 1));
}

extern char __heap_base; /* set by wasm-ld: the first byte after data and stack */

/* `want` more bytes of linear memory, contiguous with the previous ones:
 * first the initial memory after __heap_base, then new pages from
 * memory.grow. 0 when memory cannot grow. Neither libc's sbrk is used:
 * Emscripten only has one together with its own malloc. */
static uintptr_t more_memory(size_t want) {
  static uintptr_t brk;
  if (!brk) brk = ((uintptr_t)&__heap_base + 15u) & ~(uintptr_t)15u;
  uintptr_t end = __builtin_wasm_memory_size(0) * 65536u;
  if (end - brk < want) {
    size_t pages = (want - (end - brk) + 65535u) / 65536u;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
  }
  uintptr_t start = brk;
  brk += want;
  return start;
}

/* A block of 2^c bytes: from the free list, else carved from new memory. */
static uintptr_t take_block(unsigned c) {
  void* head = free_lists[c];
  if (head) {
    free_lists[c] = *(void**)head;
    return (uintptr_t)head;
  }
  size_t size = (size_t)1 << c;
  if (bump_end - bump_pos < size) {
    size_t want = size > CHUNK ? size : CHUNK;
    uintptr_t start = more_memory(want);
    if (!start) return 0;
    /* Continue the current run when new memory extends it; the rest of an old
     * run is abandoned (at most one block's worth per class change). */
    if (start != bump_end) bump_pos = (start + 15u) & ~(uintptr_t)15u;
    bump_end = start + want;
    if (bump_end - bump_pos < size) return 0;
  }
  uintptr_t block = bump_pos;
  bump_pos += size;
  return block;
}

static void* alloc_aligned(size_t align, size_t size) {
  if (align < HEADER) align = HEADER;
  if (size > ((size_t)1 << (MAX_CLASS - 1))) {
    errno = ENOMEM;
    return NULL;
  }
  size_t total = size + HEADER + (align - HEADER);
  unsigned c = class_for(total);
  uintptr_t block = take_block(c);
  if (!block) {
    errno = ENOMEM;
    return NULL;
  }
  uintptr_t p = (block + HEADER + align - 1) & ~(uintptr_t)(align - 1);
  ((uint32_t*)p)[-2] = (uint32_t)(p - block);
  ((uint32_t*)p)[-1] = c;
  return (void*)p;
}

static size_t usable(void* p) {
  uint32_t offset = ((uint32_t*)p)[-2];
  uint32_t c = ((uint32_t*)p)[-1];
  return ((size_t)1 << c) - offset;
}

void* malloc(size_t size) { return alloc_aligned(HEADER, size); }

void free(void* p) {
  if (!p) return;
  uint32_t offset = ((uint32_t*)p)[-2];
  uint32_t c = ((uint32_t*)p)[-1];
  void** block = (void**)((uintptr_t)p - offset);
  *block = free_lists[c];
  free_lists[c] = block;
}

void* calloc(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  void* p = malloc(n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

void* realloc(void* p, size_t size) {
  if (!p) return malloc(size);
  size_t have = usable(p);
  if (size <= have) return p;
  void* q = malloc(size);
  if (!q) return NULL;
  memcpy(q, p, have);
  free(p);
  return q;
}

void* aligned_alloc(size_t align, size_t size) {
  if (align == 0 || (align & (align - 1)) != 0) {
    errno = EINVAL;
    return NULL;
  }
  return alloc_aligned(align, size);
}

int posix_memalign(void** out, size_t align, size_t size) {
  if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
  void* p = alloc_aligned(align, size);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

size_t malloc_usable_size(void* p) { return p ? usable(p) : 0; }

/* wasi-libc's internal names for the same functions. */
void* __libc_malloc(size_t size) { return malloc(size); }
void __libc_free(void* p) { free(p); }
void* __libc_calloc(size_t n, size_t size) { return calloc(n, size); }
