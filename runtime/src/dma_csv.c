/*
 * CSV readers of the DMA group: the ETT replay (channel 0), the pack frame replay (channel 1) and
 * one live record. Numbers are parsed with strtod and cast to float, so a value equals the
 * simulator's Math.fround(Number(cell)) (both round the decimal to the nearest double first).
 * Every problem is one line naming the file and line.
 */
#include "hal_dma.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ett_header[DMA_ETT_CHANNELS] = { "HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT" };

/* Parses the cell [s, e) (spaces around it allowed) as a finite number; 0 or -1. */
static int parse_cell(const char *s, const char *e, float *out) {
  while (s < e && (*s == ' ' || *s == '\t')) s++;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
  char buf[64];
  size_t n = (size_t)(e - s);
  if (n == 0 || n >= sizeof(buf)) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  char *end;
  errno = 0;
  double v = strtod(buf, &end);
  if (end != buf + n || !isfinite(v)) return -1;
  *out = (float)v;
  return 0;
}

/* Reads a whole file (NUL-terminated); NULL with why on failure. */
static char *slurp(const char *path, size_t *len, char *why, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(why, cap, "cannot read %s: %s", path, strerror(errno));
    return NULL;
  }
  size_t size = 0, room = 1 << 16;
  char *buf = malloc(room);
  for (size_t got; buf != NULL && (got = fread(buf + size, 1, room - size - 1, f)) > 0;) {
    size += got;
    if (room - size - 1 == 0) {
      char *bigger = realloc(buf, room * 2);
      if (bigger == NULL) free(buf);
      buf = bigger;
      room *= 2;
    }
  }
  bool failed = ferror(f) != 0;
  fclose(f);
  if (buf == NULL || failed) {
    free(buf);
    snprintf(why, cap, "cannot read %s: %s", path, buf == NULL ? "out of memory" : "read error");
    return NULL;
  }
  buf[size] = '\0';
  *len = size;
  return buf;
}

/* Calls row(line, end, lineno) for each line that is not blank; stops at the first <0. */
typedef int (*row_fn)(const char *s, const char *e, unsigned lineno, void *ctx);
static int each_line(const char *text, size_t len, row_fn row, void *ctx) {
  unsigned lineno = 0;
  for (const char *s = text, *end = text + len; s < end;) {
    const char *e = memchr(s, '\n', (size_t)(end - s));
    if (e == NULL) e = end;
    lineno++;
    const char *t = e;
    if (t > s && t[-1] == '\r') t--;
    if (t > s) {
      int r = row(s, t, lineno, ctx);
      if (r < 0) return r;
    }
    s = e + 1;
  }
  return 0;
}

typedef struct {
  const char *path;
  dma_table_t *t;
  uint32_t cap_rows;
  bool header_seen, skip_comments, has_date;
  char *why;
  size_t why_cap;
} reader_t;

static int check_ett_header(reader_t *r, const char *s, const char *e, unsigned lineno) {
  const char *p = memchr(s, ',', (size_t)(e - s));
  for (int c = 0; c < DMA_ETT_CHANNELS; c++) {
    const char *q = p ? p + 1 : e;
    const char *next = q < e ? memchr(q, ',', (size_t)(e - q)) : NULL;
    const char *stop = next ? next : e;
    while (q < stop && *q == ' ') q++;
    while (stop > q && stop[-1] == ' ') stop--;
    if (p == NULL || (size_t)(stop - q) != strlen(ett_header[c]) || memcmp(q, ett_header[c], (size_t)(stop - q)) != 0 ||
        (c == DMA_ETT_CHANNELS - 1 && next != NULL)) {
      snprintf(r->why, r->why_cap, "%s:%u: header must be date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT", r->path, lineno);
      return -1;
    }
    p = next;
  }
  r->header_seen = true;
  return 0;
}

static int read_row(const char *s, const char *e, unsigned lineno, void *ctx) {
  reader_t *r = ctx;
  if (r->skip_comments && *s == '#') return 0;
  if (r->has_date && !r->header_seen) return check_ett_header(r, s, e, lineno);
  dma_table_t *t = r->t;
  if (t->rows == r->cap_rows) {
    uint32_t more = r->cap_rows ? r->cap_rows * 2 : 1024;
    float *v = realloc(t->values, (size_t)more * t->cols * sizeof(float));
    if (v == NULL) {
      snprintf(r->why, r->why_cap, "%s:%u: out of memory", r->path, lineno);
      return -1;
    }
    t->values = v;
    r->cap_rows = more;
  }
  float *out = t->values + (size_t)t->rows * t->cols;
  const char *p = s;
  if (r->has_date) { /* skip the date cell */
    p = memchr(s, ',', (size_t)(e - s));
    p = p ? p + 1 : e;
  }
  uint32_t got = 0;
  while (p <= e) {
    const char *q = memchr(p, ',', (size_t)(e - p));
    const char *stop = q ? q : e;
    if (got < t->cols && parse_cell(p, stop, &out[got]) != 0) {
      if (r->has_date) snprintf(r->why, r->why_cap, "%s:%u: %s is not a number", r->path, lineno, ett_header[got]);
      else snprintf(r->why, r->why_cap, "%s:%u: value %u is not a number", r->path, lineno, got + 1);
      return -1;
    }
    got++;
    if (q == NULL) break;
    p = q + 1;
  }
  if (got != t->cols) {
    if (r->has_date) snprintf(r->why, r->why_cap, "%s:%u: expected %u columns, got %u", r->path, lineno, t->cols + 1, got + 1);
    else snprintf(r->why, r->why_cap, "%s:%u: expected %u numbers, got %u", r->path, lineno, t->cols, got);
    return -1;
  }
  t->rows++;
  return 0;
}

static int read_table(const char *path, uint32_t cols, bool ett, dma_table_t *out, char *why, size_t cap) {
  memset(out, 0, sizeof(*out));
  out->cols = cols;
  size_t len;
  char *text = slurp(path, &len, why, cap);
  if (text == NULL) return -1;
  reader_t r = { path, out, 0, false, !ett, ett, why, cap };
  int rc = each_line(text, len, read_row, &r);
  free(text);
  if (rc == 0 && ett && !r.header_seen) {
    snprintf(why, cap, "%s:1: header must be date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT", path);
    rc = -1;
  }
  if (rc == 0 && out->rows == 0) {
    snprintf(why, cap, "%s: no %s", path, ett ? "data rows" : "frames");
    rc = -1;
  }
  if (rc != 0) {
    free(out->values);
    memset(out, 0, sizeof(*out));
  }
  return rc;
}

int dma_read_ett(const char *path, dma_table_t *out, char *why, size_t cap) {
  return read_table(path, DMA_ETT_CHANNELS, true, out, why, cap);
}

int dma_read_frames(const char *path, uint32_t cols, dma_table_t *out, char *why, size_t cap) {
  return read_table(path, cols, false, out, why, cap);
}

int dma_parse_record(const char *line, size_t len, uint32_t *ch, float *vals, uint32_t max, uint32_t *n, char *why, size_t cap) {
  const char *e = line + len, *comma = memchr(line, ',', len);
  if (comma == NULL) {
    snprintf(why, cap, "no values after the channel");
    return -1;
  }
  char *stop;
  char chbuf[12];
  size_t w = (size_t)(comma - line);
  if (w == 0 || w >= sizeof(chbuf)) {
    snprintf(why, cap, "channel must be a number");
    return -1;
  }
  memcpy(chbuf, line, w);
  chbuf[w] = '\0';
  unsigned long c = strtoul(chbuf, &stop, 10);
  uint32_t units = 0;
  uint32_t unit = *stop == '\0' && chbuf[0] >= '0' && chbuf[0] <= '9' && c < 0xffffffffUL ? dma_live_unit((uint32_t)c, &units) : 0;
  if (unit == 0) {
    snprintf(why, cap, "channel %.11s has no live input on this board", chbuf);
    return -1;
  }
  uint64_t most = (uint64_t)unit * units;
  if (most > max) most = max - max % unit;
  uint32_t got = 0;
  for (const char *p = comma + 1; p <= e;) {
    const char *q = memchr(p, ',', (size_t)(e - p));
    const char *s = q ? q : e;
    if (got < most && parse_cell(p, s, &vals[got]) != 0) {
      snprintf(why, cap, "value %u is not a finite number", got + 1);
      return -1;
    }
    got++;
    if (q == NULL) break;
    p = q + 1;
  }
  if (got == 0 || got % unit != 0 || got > most) {
    if (units == 1) snprintf(why, cap, "channel %lu needs %u values, got %u", c, unit, got);
    else snprintf(why, cap, "channel %lu needs %u values per hour, 1 to %llu hours (%u to %llu values), got %u", c, unit,
                  (unsigned long long)(most / unit), unit, (unsigned long long)most, got);
    return -1;
  }
  *ch = (uint32_t)c;
  *n = got;
  return 0;
}
