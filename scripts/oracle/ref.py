"""TFLite reference-kernel oracle for Dendra's tests (never used by the product path).

Runs .tflite models under TensorFlow's Python interpreter with
OpResolverType.BUILTIN_REF (TFLite's reference kernels, no XNNPACK, no optimized kernels),
many input sets per model, many models per process (importing TensorFlow is slow).

Usage: python ref.py JOBS.json
JOBS.json: [{"model": path, "inputs": path, "outputs": path, "all": bool}, ...]
  inputs:  raw little-endian bytes, input sets back to back; one set = every model input's bytes
           in input order (sizes from the model's input details).
  outputs: written raw, for each set: every model output's bytes in output order; with "all",
           instead every tensor that holds data after Invoke (tensor index order), via
           experimental_preserve_all_tensors=True.
Prints one JSON line per job to stdout:
  {"job": i, "ok": true, "sets": n, "tensors": [{"index", "name", "dtype", "shape", "bytes"}]}
  (the per-set layout of the outputs file) or {"job": i, "ok": false, "error": "..."}.
Bounds: a job's inputs file must be a whole number of sets, at most MAX_SETS sets and
MAX_BYTES bytes of output; a bad job is reported and the next job runs.
Exit status: 0 when every job ran, 1 when any failed, 2 on a bad command line / jobs file.
"""
import json
import os
import sys

MAX_SETS = 100000
MAX_BYTES = 1 << 30


def run_job(tf, np, job):
    model, all_tensors = job["model"], bool(job.get("all", False))
    interp = tf.lite.Interpreter(
        model_path=model,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
        experimental_preserve_all_tensors=all_tensors,
        num_threads=1,
    )
    interp.allocate_tensors()
    ins = interp.get_input_details()
    sizes = [int(np.prod(d["shape"])) * np.dtype(d["dtype"]).itemsize for d in ins]
    per_set = sum(sizes)
    raw = open(job["inputs"], "rb").read()
    if per_set == 0 or len(raw) % per_set:
        raise ValueError(f"inputs file has {len(raw)} bytes, not a multiple of one set ({per_set} bytes)")
    sets = len(raw) // per_set
    if sets > MAX_SETS:
        raise ValueError(f"{sets} input sets, more than {MAX_SETS}")
    layout = None
    total = 0
    with open(job["outputs"], "wb") as out:
        for s in range(sets):
            off = s * per_set
            for d, n in zip(ins, sizes):
                a = np.frombuffer(raw, dtype=d["dtype"], count=n // np.dtype(d["dtype"]).itemsize, offset=off)
                interp.set_tensor(d["index"], a.reshape(d["shape"]))
                off += n
            interp.invoke()
            if all_tensors:
                picked = []
                for t in interp.get_tensor_details():
                    try:
                        picked.append((t, interp.get_tensor(t["index"])))
                    except ValueError:
                        pass  # tensor without data (e.g. optional, unallocated)
            else:
                picked = [(d, interp.get_tensor(d["index"])) for d in interp.get_output_details()]
            if layout is None:
                layout = [{"index": int(t["index"]), "name": t["name"], "dtype": np.dtype(v.dtype).name,
                           "shape": [int(x) for x in v.shape], "bytes": int(v.nbytes)} for t, v in picked]
            for _, v in picked:
                b = np.ascontiguousarray(v).astype(v.dtype.newbyteorder("<"), copy=False).tobytes()
                total += len(b)
                if total > MAX_BYTES:
                    raise ValueError(f"outputs exceed {MAX_BYTES} bytes")
                out.write(b)
    return {"sets": sets, "tensors": layout or []}


def main(argv):
    if len(argv) != 2:
        print("usage: ref.py JOBS.json", file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            jobs = json.load(f)
        if not isinstance(jobs, list) or not all(isinstance(j, dict) and "model" in j and "inputs" in j and "outputs" in j for j in jobs):
            raise ValueError("expected a list of {model, inputs, outputs} objects")
    except (OSError, ValueError) as e:
        print(f"ref.py: bad jobs file {argv[1]}: {e}", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf
    failed = False
    for i, job in enumerate(jobs):
        try:
            res = {"job": i, "ok": True, **run_job(tf, np, job)}
        except Exception as e:  # one bad job must not stop the others
            failed = True
            res = {"job": i, "ok": False, "error": f"{type(e).__name__}: {e}".splitlines()[0][:500]}
        print(json.dumps(res), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
