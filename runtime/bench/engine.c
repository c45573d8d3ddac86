/* See engine.h. Every linear-memory access is bounds-checked with WAMR's validate API. */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *read_file(const char *path, uint32_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
    if (n < 0 || n > 0x7fffffff || fseek(f, 0, SEEK_SET) != 0) goto fail;
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf) goto fail;
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) goto fail;
    fclose(f);
    *len = (uint32_t)n;
    return buf;
fail:
    free(buf);
    fclose(f);
    if (errno == 0) errno = EIO;
    return NULL;
}

/* Calls export `name` with argc u32 arguments; the i32 result lands in *ret. 0, or -1 on a trap. */
static int call(engine_t *e, const char *name, uint32_t argc, uint32_t *argv, uint32_t *ret,
                char *err, size_t errlen)
{
    uint32_t buf[4] = { 0 };
    wasm_function_inst_t fn = wasm_runtime_lookup_function(e->inst, name);
    if (!fn) {
        snprintf(err, errlen, "the engine has no export %s", name);
        return -1;
    }
    if (argc > 4) argc = 4;
    memcpy(buf, argv, argc * sizeof(uint32_t));
    if (!wasm_runtime_call_wasm(e->env, fn, argc, buf)) {
        snprintf(err, errlen, "%s trapped: %s", name, wasm_runtime_get_exception(e->inst));
        return -1;
    }
    *ret = buf[0];
    return 0;
}

/* Native address of [off, off+len) in linear memory, or NULL when out of bounds. */
static uint8_t *native(engine_t *e, uint32_t off, uint32_t len)
{
    if (!wasm_runtime_validate_app_addr(e->inst, off, len)) return NULL;
    return wasm_runtime_addr_app_to_native(e->inst, off);
}

int engine_open(engine_t *e, const char *path, uint32_t stack, char *err, size_t errlen)
{
    uint32_t len = 0;
    memset(e, 0, sizeof(*e));
    e->file = read_file(path, &len);
    if (!e->file) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    e->aot = len >= 4 && memcmp(e->file, "\0aot", 4) == 0;
    char werr[256] = "";
    e->module = wasm_runtime_load(e->file, len, werr, sizeof(werr));
    if (!e->module) {
        snprintf(err, errlen, "WAMR cannot load %s: %s", path, werr);
        return -1;
    }
    mem_alloc_info_t info;
    if (wasm_runtime_get_mem_alloc_info(&info)) e->heap_after_load = info.highmark_size;
    e->inst = wasm_runtime_instantiate(e->module, stack, 0, werr, sizeof(werr));
    if (!e->inst) {
        snprintf(err, errlen, "WAMR cannot instantiate %s: %s", path, werr);
        return -1;
    }
    e->env = wasm_runtime_create_exec_env(e->inst, stack);
    if (!e->env) {
        snprintf(err, errlen, "WAMR cannot create an exec env for %s", path);
        return -1;
    }
    return 0;
}

/* Reads the model's tensor pointers and sizes after a successful modelLoad. */
static int bind_tensors(engine_t *e, char *err, size_t errlen)
{
    uint32_t in_ptr, out_ptr;
    if (call(e, "modelInputPtr", 0, NULL, &in_ptr, err, errlen)
        || call(e, "modelInputBytes", 0, NULL, &e->in_len, err, errlen)
        || call(e, "modelOutputPtr", 0, NULL, &out_ptr, err, errlen)
        || call(e, "modelOutputBytes", 0, NULL, &e->out_len, err, errlen)
        || call(e, "modelArenaBytes", 0, NULL, &e->arena_bytes, err, errlen))
        return -1;
    /* Nothing grows the memory after modelLoad, so these addresses stay valid. */
    e->in = native(e, in_ptr, e->in_len);
    e->out = native(e, out_ptr, e->out_len);
    if (!e->in || !e->out || e->in_len == 0 || e->out_len == 0) {
        snprintf(err, errlen, "the engine reports tensors outside linear memory");
        return -1;
    }
    e->invoke_fn = wasm_runtime_lookup_function(e->inst, "modelInvoke");
    if (!e->invoke_fn) {
        snprintf(err, errlen, "the engine has no export modelInvoke");
        return -1;
    }
    return 0;
}

int engine_load_model(engine_t *e, const uint8_t *model, uint32_t len, uint32_t arena_cap,
                      char *err, size_t errlen)
{
    uint32_t mptr, arena, st;
    uint32_t a1[1] = { len }, a2[1] = { arena_cap };
    if (call(e, "engineAlloc", 1, a1, &mptr, err, errlen)
        || call(e, "engineAlloc", 1, a2, &arena, err, errlen))
        return -1;
    uint8_t *dst = native(e, mptr, len); /* after both allocations: memory.grow may move it */
    if (!dst) {
        snprintf(err, errlen, "engineAlloc(%u) returned a range outside linear memory", len);
        return -1;
    }
    memcpy(dst, model, len);
    uint32_t args[4] = { mptr, len, arena, arena_cap };
    if (call(e, "modelLoad", 4, args, &st, err, errlen)) return -1;
    if ((int32_t)st != 0) {
        snprintf(err, errlen, "the firmware refused the model: status %d", (int32_t)st);
        return -1;
    }
    return bind_tensors(e, err, errlen);
}

int engine_invoke(engine_t *e, const uint8_t *input, char *err, size_t errlen)
{
    uint32_t argv[1] = { 0 };
    memcpy(e->in, input, e->in_len);
    if (!wasm_runtime_call_wasm(e->env, e->invoke_fn, 0, argv)) {
        snprintf(err, errlen, "modelInvoke trapped: %s", wasm_runtime_get_exception(e->inst));
        return -1000;
    }
    return (int32_t)argv[0];
}

uint64_t engine_pages(const engine_t *e)
{
    wasm_memory_inst_t mem = wasm_runtime_get_default_memory(e->inst);
    return mem ? wasm_memory_get_cur_page_count(mem) : 0;
}

void engine_close(engine_t *e)
{
    if (e->env) wasm_runtime_destroy_exec_env(e->env);
    if (e->inst) wasm_runtime_deinstantiate(e->inst);
    if (e->module) wasm_runtime_unload(e->module);
    free(e->file);
    memset(e, 0, sizeof(*e));
}
