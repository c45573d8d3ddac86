/*
 * HAL group flash (firmware/assembly/hal/flash.ts): NOR flash backed by a file, byte-compatible
 * with the simulator's host/device/src/sim/flashfile.ts (the same file works in both): created 0xFF at
 * the board's flash size; a write can only clear bits (stored = old AND new); erase sets whole
 * sectors back to 0xFF; every write and erase is written through and fsync'ed before returning
 * (E_FLASH -12 when the file fails). A file of another size is refused at open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rt_core.h"
#include "status.h"

static int fd = -1;
static uint8_t *mem;
static uint32_t size;

static int fill_new(void) {
  memset(mem, 0xff, size);
  for (uint32_t off = 0; off < size;) {
    ssize_t n = pwrite(fd, mem + off, size - off, off);
    if (n <= 0) return -1;
    off += (uint32_t)n;
  }
  return fsync(fd);
}

static int read_all(void) {
  for (uint32_t off = 0; off < size;) {
    ssize_t n = pread(fd, mem + off, size - off, off);
    if (n <= 0) return -1;
    off += (uint32_t)n;
  }
  return 0;
}

int rt_flash_open(const char *path) {
  size = rt_board.flash_size;
  bool fresh = access(path, F_OK) != 0;
  fd = open(path, O_RDWR | O_CLOEXEC | (fresh ? O_CREAT | O_EXCL : 0), 0644);
  mem = malloc(size);
  if (fd < 0 || mem == NULL) {
    rt_fail("cannot open flash file %s: %s", path, strerror(errno));
    return -1;
  }
  if (fresh) {
    if (fill_new() == 0) return 0;
    rt_fail("cannot create flash file %s: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != size) {
    rt_fail("flash file %s has %lld bytes, the board's flash has %u", path, (long long)st.st_size, size);
    return -1;
  }
  if (read_all() == 0) return 0;
  rt_fail("cannot read flash file %s: %s", path, strerror(errno));
  return -1;
}

const uint8_t *rt_flash_view(void) { return mem; }
uint32_t rt_flash_size(void) { return size; }

static bool in_range(uint32_t addr, uint32_t len) { return mem != NULL && (uint64_t)addr + len <= size; }

/* Writes [addr, addr+len) of the copy through to the file and fsyncs: 0, or E_FLASH. */
static int persist(uint32_t addr, uint32_t len) {
  for (uint32_t off = 0; off < len;) {
    ssize_t n = pwrite(fd, mem + addr + off, len - off, addr + off);
    if (n <= 0) return FW_E_FLASH;
    off += (uint32_t)n;
  }
  return fdatasync(fd) == 0 ? 0 : FW_E_FLASH;
}

int rt_flash_write(uint32_t addr, const uint8_t *data, uint32_t len) {
  if (!in_range(addr, len)) return FW_E_BOUNDS;
  for (uint32_t i = 0; i < len; i++) mem[addr + i] &= data[i];
  return persist(addr, len);
}

int rt_flash_erase(uint32_t addr, uint32_t len) {
  uint32_t sector = rt_board.sector_bytes;
  if (!in_range(addr, len) || addr % sector != 0) return FW_E_BOUNDS;
  uint64_t end = ((uint64_t)addr + len + sector - 1) / sector * sector;
  if (end > size) end = size;
  memset(mem + addr, 0xff, end - addr);
  return persist(addr, (uint32_t)(end - addr));
}

void rt_flash_close(void) {
  if (fd >= 0) close(fd);
  fd = -1;
}

/* --- natives --- */

static int32_t n_flash_read(wasm_exec_env_t env, uint32_t addr, uint32_t dst, uint32_t len) {
  uint8_t *out = rt_span(env, dst, len);
  if (out == NULL || !in_range(addr, len)) return FW_E_BOUNDS;
  memcpy(out, mem + addr, len);
  return 0;
}

static int32_t n_flash_write(wasm_exec_env_t env, uint32_t addr, uint32_t src, uint32_t len) {
  uint8_t *data = rt_span(env, src, len);
  return data == NULL ? FW_E_BOUNDS : rt_flash_write(addr, data, len);
}

static int32_t n_flash_erase(wasm_exec_env_t env, uint32_t addr, uint32_t len) { return rt_flash_erase(addr, len); }

static uint32_t n_flash_sector_size(wasm_exec_env_t env) { return rt_board.sector_bytes; }

/* Region address then size (u32 LE) at out; E_BOUNDS for an unknown id or a region the board lacks. */
static int32_t n_flash_region(wasm_exec_env_t env, uint32_t id, uint32_t out) {
  uint8_t *dst = rt_span(env, out, 8);
  if (dst == NULL || id >= RT_REGION_COUNT || !rt_board.region[id].present) return FW_E_BOUNDS;
  uint32_t v[2] = { rt_board.region[id].addr, rt_board.region[id].size };
  for (int i = 0; i < 8; i++) dst[i] = (uint8_t)(v[i / 4] >> (8 * (i % 4)));
  return 0;
}

static NativeSymbol natives[] = {
  { "flash_read", (void *)n_flash_read, "(iii)i", NULL },
  { "flash_write", (void *)n_flash_write, "(iii)i", NULL },
  { "flash_erase", (void *)n_flash_erase, "(ii)i", NULL },
  { "flash_sector_size", (void *)n_flash_sector_size, "()i", NULL },
  { "flash_region", (void *)n_flash_region, "(ii)i", NULL },
};

rt_group_t hal_flash_group(void) { return (rt_group_t){ "flash", natives, sizeof natives / sizeof natives[0] }; }
