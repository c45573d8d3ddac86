/*
 * The firmware's interpreter (build/engine.wasm, firmware/assembly/engine.ts) driven under WAMR
 * the way host/src/engine/engine.ts drives it under V8: engineAlloc(model), engineAlloc(arena),
 * copy the model, modelLoad, then per inference copy the input to modelInputPtr and modelInvoke.
 */
#ifndef DENDRA_BENCH_ENGINE_H
#define DENDRA_BENCH_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "wasm_export.h"

/** One engine instance holding one model. */
typedef struct {
    uint8_t *file;        /* the .wasm/.aot bytes (WAMR keeps pointers into them while loaded) */
    wasm_module_t module;
    wasm_module_inst_t inst;
    wasm_exec_env_t env;
    wasm_function_inst_t invoke_fn;
    int aot;              /* 1: an AOT file, 0: bytecode run by the fast interpreter */
    uint8_t *in;          /* native address of the model's input tensor */
    uint8_t *out;         /* native address of the model's output tensor */
    uint32_t in_len, out_len, arena_bytes;
    uint32_t heap_after_load; /* WAMR heap high-water mark right after wasm_runtime_load */
} engine_t;

/**
 * Loads and instantiates `path` (wasm or aot) with `stack` bytes of wasm stack.
 * Returns 0, or -1 with a one-line reason in err (unreadable file, WAMR load/instantiate error).
 */
int engine_open(engine_t *e, const char *path, uint32_t stack, char *err, size_t errlen);

/**
 * Copies the model into linear memory and calls modelLoad with an arena of `arena_cap` bytes.
 * Returns 0, or -1 with the reason in err (a trap, or the firmware's negative status).
 */
int engine_load_model(engine_t *e, const uint8_t *model, uint32_t len, uint32_t arena_cap,
                      char *err, size_t errlen);

/**
 * Copies in_len bytes of `input` to the input tensor and calls modelInvoke.
 * Returns the firmware status (0 OK), or -1000 after a trap (reason in err).
 */
int engine_invoke(engine_t *e, const uint8_t *input, char *err, size_t errlen);

/** Current linear-memory pages of the instance (64 KiB each). */
uint64_t engine_pages(const engine_t *e);

/** Frees the instance, module and file bytes (safe on a partly opened engine). */
void engine_close(engine_t *e);

/** Reads a whole file; NULL with errno set on failure. *len gets its size. */
uint8_t *read_file(const char *path, uint32_t *len);

#endif
