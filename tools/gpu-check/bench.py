#!/usr/bin/env python3
"""Throughput of the stage jars against transformers on the same Llama-3-8B-shaped checkpoint and the same prompts.
Called by tools/gpu-check/run.sh (which sets JAVA_HOME, LANDSCAPE_LIBTORCH, LANDSCAPE_JNI_DIR, DJL_CACHE_DIR).

    bench.py --mode gpu|dry --kit KIT --work DIR --results FILE --mmlu DIR --tokenizer DIR [--batch-tokens N]
             [--deadline EPOCH_SECONDS]

gpu: a random model with Llama-3-8B's shapes (transformers, bf16, saved as safetensors shards); transformers
     `output_hidden_states=True` at batch 1 in bf16 (the paper's pipeline, the anchor) and in f32; the stage jars
     (`landscape-extract run`) in f16 and f32; a bf16 and f16 8192^3 matmul for the GPU's peak in this run.
dry: no torch needed: a small random Llama made by `landscape-extract make-tiny-model`, the stage jars on the CPU
     only, so that everything but the GPU parts runs (prompt building, runs, log parsing, FLOP accounting).
Both: `plan --json` for the checkpoint and the f16 run again with `--placement stream` (weights read one layer at a
time), compared point by point with the resident one. With a baseline in the kit (make-kit.sh --baseline REV: the
extract jar of an earlier commit), the f16 run once more with that jar, right after ours_f16, and its layer files
compared byte for byte with ours (changes meant to be bit-identical, such as how points reach the host, must give
identical files), so that one run judges what the commits since REV changed: tokens/s, load, GPU utilisation.

Prompts: the 200 questions of assets/test-data/mmlu-mini in the project's 5-shot template (docs/EXTRACT.md), each
lengthened with further solved examples (other subjects' dev rows) to 712/mean of its 5-shot length, so that the
mean is the 712 tokens of a real 5-shot MMLU prompt (10 M tokens / 14042 test questions) and the spread is the mini
set's. The tokenizer is tiny-llama3's byte-level one (one token per byte, ids < 262, BOS 260), so token counts are
exact and the same for both sides. f32 runs take every third prompt.

Model FLOPs (for the fraction of peak) count the decoder's useful work only, the same for both sides:
per prompt of T tokens, L * (2 T P_layer + 2 T^2 d) with P_layer the weights of one decoder layer; embeddings,
the vocabulary projection and padding are not counted.
"""
import argparse
import csv
import gc
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_compare import read_layer  # noqa: E402

MEAN_TOKENS = 712
# the stage's last line: rows, tokens, seconds of the whole run (load included), tokens/s of the forward passes
# (Java's printf follows the locale: a decimal comma is read too)
WROTE = re.compile(r"wrote \S+ \((\d+) rows, (\d+) tokens, ([\d.,]+) s, (\d+) tokens/s in forward passes\)")


def load(path):
    return json.load(open(path)) if os.path.exists(path) else {}


class Results:
    def __init__(self, path):
        self.path = path
        self.data = load(path)
        self.t = self.data.setdefault("throughput", {})

    def put(self, key, value):
        self.t[key] = value
        # written aside and renamed: a run killed at its time limit keeps the last complete file, not a truncated one
        with open(self.path + ".tmp", "w") as f:
            json.dump(self.data, f, indent=1)
        os.replace(self.path + ".tmp", self.path)
        print(f"[bench] {key} = {json.dumps(value)[:300]}", flush=True)


# ------------------------------------------------------------------ prompts

def mmlu_prompts(root):
    def rows(p):
        with open(p, newline="", encoding="utf-8") as f:
            return list(csv.reader(f))

    def block(r, answer=True):
        s = (r[0].strip() + "\nA. " + r[1].strip() + "\nB. " + r[2].strip() + "\nC. " + r[3].strip()
             + "\nD. " + r[4].strip() + "\nAnswer:")
        return s + (" " + r[5].strip() + "\n\n" if answer else "")

    subjects = sorted(os.path.basename(p)[:-len("_test.csv")] for p in glob.glob(os.path.join(root, "test", "*_test.csv")))
    dev = {s: rows(os.path.join(root, "dev", f"{s}_dev.csv")) for s in subjects}
    five = []
    for s in subjects:
        head = "The following are multiple choice questions (with answers) about" + "".join(" " + w for w in s.split("_")) + ".\n\n"
        for r in rows(os.path.join(root, "test", f"{s}_test.csv")):
            five.append((s, head, [block(d) for d in dev[s][:5]], block(r, False)))
    mean5 = sum(len((h + "".join(sh) + q).encode()) for _, h, sh, q in five) / len(five)
    extra = [block(d) for s in subjects for d in dev[s]]
    prompts = []
    for i, (s, head, shots, q) in enumerate(five):
        target = round(len((head + "".join(shots) + q).encode()) * MEAN_TOKENS / mean5)
        shots = list(shots)
        j = i

        def size(extra_block=""):
            return len((head + "".join(shots) + extra_block + q).encode())

        # add solved examples while that brings the length closer to the target
        while abs(size(extra[j % len(extra)]) - target) < abs(size() - target):
            shots.append(extra[j % len(extra)])
            j += 7
        prompts.append({"prompt": head + "".join(shots) + q, "subject": s})
    return prompts


def write_jsonl(path, prompts):
    with open(path, "w", encoding="utf-8") as f:
        for p in prompts:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")


def token_ids(tokenizer_dir, prompts):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(tokenizer_dir, "tokenizer.json"))
    return [tok.encode(p["prompt"]).ids for p in prompts]


def byte_token_counts(prompts):
    """Token counts of the byte-level tokenizer without the tokenizers package: one per UTF-8 byte, plus BOS."""
    return [len(p["prompt"].encode()) + 1 for p in prompts]


# ------------------------------------------------------------------ model FLOPs

def decoder_flops(cfg, lengths):
    d = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads", heads)
    hd = cfg.get("head_dim") or d // heads
    inter = cfg["intermediate_size"]
    layers = cfg["num_hidden_layers"]
    p_layer = d * heads * hd + 2 * d * kv * hd + heads * hd * d + 3 * d * inter
    return sum(layers * (2 * t * p_layer + 2 * t * t * heads * hd) for t in lengths)


# ------------------------------------------------------------------ GPU utilisation

class Sampler:
    """nvidia-smi utilisation samples every 100 ms, with their times."""

    def __init__(self):
        self.samples = []
        try:
            self.p = subprocess.Popen(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits",
                                       "-lms", "100"], stdout=subprocess.PIPE, text=True)
        except OSError:
            self.p = None
            return
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.p.stdout:
            try:
                self.samples.append((time.time(), float(line.strip().split(",")[0])))
            except ValueError:
                pass

    def stop(self):
        if self.p:
            self.p.terminate()
            self.p.wait()
            self.thread.join(timeout=2)
        return self.samples

    @staticmethod
    def mean(samples, start, end):
        xs = [u for t, u in samples if start <= t <= end]
        return round(sum(xs) / len(xs), 1) if xs else None


# ------------------------------------------------------------------ ours

def baseline_root(a):
    """A root of its own for the kit's baseline extract jar (launchers copied, the kit's libraries linked, the baseline's
    own core jar), or None when the kit has no baseline."""
    src = os.path.join(a.kit, "baseline")
    if not os.path.isfile(os.path.join(src, "landscape-extract.jar")):
        return None
    root = os.path.join(a.work, "baseline-root")
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(os.path.join(a.kit, "bin"), os.path.join(root, "bin"))
    lib = os.path.join(root, "extract", "target", "lib")
    os.makedirs(lib)
    shutil.copy(os.path.join(src, "landscape-extract.jar"), os.path.join(root, "extract", "target"))
    own = [f for f in os.listdir(src) if f.startswith("landscape-core-")]
    for f in os.listdir(os.path.join(a.kit, "extract", "target", "lib")):
        if not (own and f.startswith("landscape-core-")):
            os.symlink(os.path.join(a.kit, "extract", "target", "lib", f), os.path.join(lib, f))
    for f in own:
        shutil.copy(os.path.join(src, f), lib)
    return root


def same_files(out, base):
    """Layer files and samples.csv of two runs, byte for byte (the manifests' sha256 and the files' bytes)."""
    import hashlib
    def digests(d):
        man = json.load(open(os.path.join(d, "manifest.json")))
        files = [p["file"] for p in man["points"]] + ["samples.csv"]
        return {f: hashlib.sha256(open(os.path.join(d, f), "rb").read()).hexdigest() for f in files}
    x, y = digests(out), digests(base)
    differ = sorted(f for f in set(x) | set(y) if x.get(f) != y.get(f))
    return {"files": len(x), "identical": len(x) - len(differ) if set(x) == set(y) else None, "differ": differ[:10]}


def run_ours(a, model, prompts_file, dtype, name, res, device, tokens_expected, extra=(), sample=False, root=None):
    out = os.path.join(a.work, f"out_{name}")
    shutil.rmtree(out, ignore_errors=True)
    cmd = [os.path.join(root or a.kit, "bin", "landscape-extract"), "run", "--model", model, "--prompts", prompts_file,
           "--device", device, "--dtype", dtype, "--batch-tokens", str(a.batch_tokens), "--no-progress",
           "--out", out, *extra]
    sampler = Sampler() if sample else None
    t0 = time.time()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=max(30, a.deadline - time.time()))
    except subprocess.TimeoutExpired:
        if sampler:
            sampler.stop()
        res.put(name, {"failed": "timed out (deadline)"})
        return None
    t1 = time.time()
    samples = sampler.stop() if sampler else []
    log = r.stdout + r.stderr
    with open(os.path.join(a.work, f"{name}.log"), "w") as f:
        f.write(" ".join(cmd) + "\n" + log)
    m = WROTE.search(log)
    if r.returncode != 0 or not m:
        res.put(name, {"failed": f"exit {r.returncode}", "log_tail": log[-800:]})
        return None
    rows, tokens, run_s, tok_s = int(m.group(1)), int(m.group(2)), float(m.group(3).replace(",", ".")), int(m.group(4))
    fwd_s = tokens / max(tok_s, 1)
    # run_s is the stage's whole run (its log line); what is not forward passes there is mostly the load
    v = {"rows": rows, "tokens": tokens, "forward_s": round(fwd_s, 2), "tok_s_forward": tok_s,
         "run_s": run_s, "run_minus_forward_s": round(run_s - fwd_s, 1),
         "wall_s": round(t1 - t0, 1), "tok_s_end_to_end": round(tokens / (t1 - t0)),
         "outside_forward_s": round(t1 - t0 - fwd_s, 1), "batch_tokens": a.batch_tokens, "dtype": dtype,
         "args": list(extra), "tokens_as_counted_here": tokens_expected}
    if root:
        v["jar"] = "baseline (" + open(os.path.join(a.kit, "baseline", "COMMIT")).read().strip() + ")"
    if samples:
        v["gpu_util_mean_forward_pct"] = Sampler.mean(samples, t1 - fwd_s - 1, t1)
        v["gpu_util_mean_whole_run_pct"] = Sampler.mean(samples, t0, t1)
    res.put(name, v)
    return out


def our_points(out, rows, up_to):
    """Our extraction points 0..up_to as {index: array [rows, dim]} (the rows given)."""
    man = json.load(open(os.path.join(out, "manifest.json")))
    return {p["index"]: read_layer(os.path.join(out, p["file"]))[rows] for p in man["points"] if p["index"] <= up_to}


# ------------------------------------------------------------------ placement (docs/EXTRACT.md, Placement)

def streamed(a, model, prompts_file, res, device, lengths, out16, points, gpu):
    """`plan --json` for the checkpoint, then the ours_f16 run again with --placement stream (layer-major: each layer
    read from the checkpoint once per pass, one ahead), compared point by point with the resident run."""
    try:
        r = subprocess.run([os.path.join(a.kit, "bin", "landscape-extract"), "plan", "--model", model, "--device",
                            device, "--dtype", a.half, "--batch-tokens", str(a.batch_tokens), "--json"],
                           capture_output=True, text=True, timeout=120)
        try:
            p = json.loads(r.stdout)
            res.put("plan", {k: p.get(k) for k in ("fits", "placement", "dtype", "gpus", "layer_ranges",
                                                   "weights_bytes", "pass_bytes", "attention_bytes", "fewest_devices")}
                    | {"memory_bytes": p["devices"][0]["memory_bytes"], "total_bytes": p["devices"][0]["total_bytes"]})
        except (ValueError, KeyError, IndexError, TypeError):
            res.put("plan", {"failed": f"exit {r.returncode}", "log_tail": (r.stdout + r.stderr)[-500:]})
    except subprocess.TimeoutExpired:
        res.put("plan", {"failed": "timed out (120 s)"})
    if time.time() >= a.deadline - 60:
        res.put("ours_f16_stream", {"skipped": "deadline"})
        return
    out = run_ours(a, model, prompts_file, a.half, "ours_f16_stream", res, device, sum(lengths),
                   extra=("--placement", "stream"), sample=gpu)
    if out and out16:
        try:
            import numpy as np
            rows = list(range(len(lengths)))
            mine, base = our_points(out, rows, points), our_points(out16, rows, points)
            worst = max(float(np.abs(mine[i] - base[i]).max() / max(1.0, np.abs(base[i]).max())) for i in base)
            res.put("ours_f16_stream_vs_resident", {"worst_rel_all_points": worst})
        except Exception as e:  # noqa: BLE001 - recorded; the runs after it go ahead
            res.put("ours_f16_stream_vs_resident", failed(e))


# ------------------------------------------------------------------ transformers (GPU only)

def failed(e):
    return {"failed": f"{e.__class__.__name__}: {e}"[:400]}


def hf_side(a, res, prompts, lengths, sub, model):
    """The bf16 matmul peak, then transformers on a random Llama-3-8B-shaped model: bf16 at batch 1 (the anchor),
    saved as the checkpoint our runs read, then f32 at batch 1. Each piece is guarded: a failure is recorded under its
    key and the next piece runs where it can. Returns transformers' f32 last-token hidden states of the prompts `sub`
    (or None). Locals (the model) are freed when this returns."""
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - recorded; our runs go ahead
        res.put("hf", failed(e))
        return None
    try:
        res.put("matmul_8192_tflops", matmul_peak(torch))
    except Exception as e:  # noqa: BLE001
        res.put("matmul_8192_tflops", failed(e))
    try:
        from transformers import LlamaConfig, LlamaForCausalLM
        ids = token_ids(a.tokenizer, prompts)
        cfg = LlamaConfig(vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                          num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=8192,
                          rms_norm_eps=1e-5, rope_theta=500000.0,
                          rope_scaling={"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                        "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                          bos_token_id=260, eos_token_id=261, tie_word_embeddings=False, torch_dtype="bfloat16")
        torch.manual_seed(0)
        t = time.time()
        with torch.device("cuda"):
            hf = LlamaForCausalLM(cfg).to(torch.bfloat16).eval()
        torch.cuda.synchronize()
        res.put("hf_init_s", round(time.time() - t, 1))
    except Exception as e:  # noqa: BLE001
        res.put("hf_init_s", failed(e))
        return None

    def hf_run(m, which):
        outs = []
        with torch.no_grad():
            for i in which:
                o = m(torch.tensor([ids[i]], device="cuda"), output_hidden_states=True)
                outs.append(torch.stack([h[0, -1] for h in o.hidden_states]).float().cpu())
        return outs

    try:
        everything = list(range(len(prompts)))
        hf_run(hf, everything[:8])
        torch.cuda.synchronize()
        sampler = Sampler()
        t0 = time.time()
        hf_run(hf, everything)
        torch.cuda.synchronize()
        t1 = time.time()
        s = sampler.stop()
        res.put("hf_bf16_batch1", {"tokens": sum(lengths), "s": round(t1 - t0, 2),
                                   "tok_s": round(sum(lengths) / (t1 - t0)),
                                   "gpu_util_mean_pct": Sampler.mean(s, t0, t1)})
    except Exception as e:  # noqa: BLE001
        res.put("hf_bf16_batch1", failed(e))
    try:
        if model is None:
            raise RuntimeError("not saved (--hf-only)")
        t = time.time()
        hf.save_pretrained(model, max_shard_size="5GB")
        for f in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(os.path.join(a.tokenizer, f), model)
        res.put("save_s", round(time.time() - t, 1))
    except Exception as e:  # noqa: BLE001 - bench.py then writes the checkpoint with make-model
        res.put("save_s", failed(e))
        if model:
            shutil.rmtree(model, ignore_errors=True)
    if time.time() >= a.deadline - 150:
        res.put("hf_f32_batch1", {"skipped": "deadline"})
        return None
    try:
        m32 = hf.float()
        hf_run(m32, sub[:2])
        torch.cuda.synchronize()
        t0 = time.time()
        ref32 = hf_run(m32, sub)
        torch.cuda.synchronize()
        t1 = time.time()
        toks = sum(lengths[i] for i in sub)
        res.put("hf_f32_batch1", {"tokens": toks, "s": round(t1 - t0, 2), "tok_s": round(toks / (t1 - t0))})
        return ref32
    except Exception as e:  # noqa: BLE001
        res.put("hf_f32_batch1", failed(e))
        return None


def matmul_peak(torch):
    """TFLOP/s of an 8192^3 matmul in bf16 and f16: after about a second of warm-up (clocks, cuBLAS's choice), the
    best of 5 rounds of 50 products."""
    peak = {}
    n = 8192
    for name, dt in (("bf16", torch.bfloat16), ("f16", torch.float16)):
        x = torch.randn(n, n, device="cuda", dtype=dt)
        y = torch.randn(n, n, device="cuda", dtype=dt)
        t = time.time()
        while time.time() - t < 1.0:
            x @ y
            torch.cuda.synchronize()
        best = 0.0
        for _ in range(5):
            t = time.time()
            for _ in range(50):
                x @ y
            torch.cuda.synchronize()
            best = max(best, 50 * 2 * n ** 3 / (time.time() - t) / 1e12)
        peak[name] = round(best, 1)
        del x, y
    peak["how"] = "8192^3, best of 5 rounds of 50 after 1 s of warm-up"
    return peak



# ------------------------------------------------------------------ summary

def summarize(res, flops_all, flops_sub):
    """Decoder FLOP/s of each forward-pass timing so far, as a fraction of this run's bf16 matmul peak, and the ratios
    to transformers (key `summary`, rewritten as runs finish)."""
    t = res.t
    peak = t.get("matmul_8192_tflops")
    peak = peak.get("bf16") if isinstance(peak, dict) else None
    summary = {}
    for key, flops in (("ours_f16", flops_all), ("ours_f32", flops_sub), ("hf_bf16_batch1", flops_all),
                       ("hf_f32_batch1", flops_sub)):
        v = t.get(key) or {}
        secs = v.get("forward_s", v.get("s"))
        if secs:
            tf = flops / secs / 1e12
            summary[key] = {"tok_s": v.get("tok_s_forward", v.get("tok_s")), "decoder_tflops": round(tf, 3),
                            "fraction_of_bf16_peak": round(tf / peak, 3) if peak else None}
    if "ours_f16" in summary and "hf_bf16_batch1" in summary:
        summary["ours_f16_over_hf_bf16_batch1"] = round(summary["ours_f16"]["tok_s"] / summary["hf_bf16_batch1"]["tok_s"], 2)
        summary["ours_f16_end_to_end_over_hf_bf16_batch1"] = round(t["ours_f16"]["tok_s_end_to_end"] / summary["hf_bf16_batch1"]["tok_s"], 2)
    if "ours_f32" in summary and "hf_f32_batch1" in summary:
        summary["ours_f32_over_hf_f32"] = round(summary["ours_f32"]["tok_s"] / summary["hf_f32_batch1"]["tok_s"], 2)
    res.put("summary", summary)


def against_hf(res, cfg, ref32, out16, out32, sub):
    """Our representations against transformers' f32 (RMSNorm weights are ones in a fresh model, so our point i < L,
    the input_layernorm output, is transformers' hidden_states[i] / rms; point L is its last hidden state)."""
    if ref32 is None:
        return
    import numpy as np
    eps = cfg.get("rms_norm_eps", 1e-5)
    layers = cfg["num_hidden_layers"]
    for name, out, rows in (("ours_f32_vs_hf_f32", out32, list(range(len(sub)))), ("ours_f16_vs_hf_f32", out16, sub)):
        if not out:
            continue
        try:
            pts = our_points(out, rows, layers)
            worst = 0.0
            for idx, arr in pts.items():
                for r_, ref in enumerate(ref32):
                    h = ref[idx].double().numpy()
                    want = h if idx == layers else h / np.sqrt((h * h).mean() + eps)
                    worst = max(worst, float(np.abs(arr[r_] - want).max() / max(1.0, np.abs(want).max())))
            res.put(name, {"worst_rel_all_points": worst})
        except Exception as e:  # noqa: BLE001 - recorded; the runs after it go ahead
            res.put(name, failed(e))



# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["gpu", "dry"], required=True)
    ap.add_argument("--kit", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--mmlu", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--batch-tokens", type=int, default=8192)
    ap.add_argument("--half", default="f16", help="the dtype of the ours_f16 runs (f32 where a CPU libtorch has no f16)")
    ap.add_argument("--deadline", type=float, default=time.time() + 420)
    ap.add_argument("--hf-only", action="store_true",
                    help="gpu: the matmul peak and transformers only (run.sh, when Java or the JNI failed)")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    res = Results(a.results)
    gpu = a.mode == "gpu"
    device = "gpu" if gpu else "cpu"

    prompts = mmlu_prompts(a.mmlu)
    sub = list(range(0, len(prompts), 3))
    p_all, p_sub = os.path.join(a.work, "prompts.jsonl"), os.path.join(a.work, "prompts_f32.jsonl")
    write_jsonl(p_all, prompts)
    write_jsonl(p_sub, [prompts[i] for i in sub])
    try:
        lengths = [len(x) for x in token_ids(a.tokenizer, prompts)]
        counted = "tokenizers"
    except ImportError:
        lengths = byte_token_counts(prompts)
        counted = "bytes + BOS (no tokenizers package; the tokenizer merges ' A'..' D', so a few fewer)"
    res.put("prompts", {"counted_by": counted, "n": len(prompts), "tokens": sum(lengths),
                        "mean_tokens": round(sum(lengths) / len(lengths), 1), "min_tokens": min(lengths), "max_tokens": max(lengths), "f32_n": len(sub),
                        "f32_tokens": sum(lengths[i] for i in sub)})

    model = os.path.join(a.work, "m8b" if gpu else "mdry")
    ref32 = None
    if gpu:
        # every transformers piece is guarded: whatever fails there is recorded, and our runs still go ahead
        ref32 = hf_side(a, res, prompts, lengths, sub, None if a.hf_only else model)
        if a.hf_only:
            shape = {"hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8,
                     "intermediate_size": 14336, "num_hidden_layers": 32}   # hf_side's LlamaConfig
            summarize(res, decoder_flops(shape, lengths), decoder_flops(shape, [lengths[i] for i in sub]))
            return 0
        gc.collect()
        if "torch" in sys.modules:
            try:
                sys.modules["torch"].cuda.empty_cache()
            except Exception:  # noqa: BLE001 - a CUDA that failed above fails here too; nothing to free then
                pass
        if not os.path.isfile(os.path.join(model, "config.json")):
            # transformers made no checkpoint: the same shapes from our own writer (random bf16, 4 shards, the
            # byte-level tokenizer with BOS 260), so that our runs are measured all the same
            shutil.rmtree(model, ignore_errors=True)
            t = time.time()
            try:
                r = subprocess.run([os.path.join(a.kit, "bin", "landscape-extract"), "make-model", "--like",
                                    "llama-3.1-8b", "--weights-dtype", "BF16", "--shards", "4", "--seed", "1",
                                    "--out", model],
                                   capture_output=True, text=True, timeout=max(30, a.deadline - time.time()))
            except subprocess.TimeoutExpired:
                res.put("fallback_model", {"failed": "timed out (deadline)"})
                return 1
            res.put("fallback_model", {"by": "landscape-extract make-model --like llama-3.1-8b", "exit": r.returncode,
                                       "s": round(time.time() - t, 1), "log_tail": (r.stdout + r.stderr)[-300:]})
            if r.returncode != 0:
                return 1
    else:
        shutil.rmtree(model, ignore_errors=True)
        r = subprocess.run([os.path.join(a.kit, "bin", "landscape-extract"), "make-tiny-model", "--out", model,
                            "--seed", "5", "--layers", "4", "--hidden", "256", "--heads", "8", "--kv-heads", "2",
                            "--intermediate", "512"], capture_output=True, text=True)
        if r.returncode != 0:
            res.put("dry_model", {"failed": (r.stdout + r.stderr)[-500:]})
            return 1

    cfg = json.load(open(os.path.join(model, "config.json")))
    flops_all = decoder_flops(cfg, lengths)
    flops_sub = decoder_flops(cfg, [lengths[i] for i in sub])
    res.put("model", {"layers": cfg["num_hidden_layers"], "hidden": cfg["hidden_size"], "vocab": cfg["vocab_size"],
                      "decoder_gflop_all_prompts": round(flops_all / 1e9, 1),
                      "decoder_gflop_f32_prompts": round(flops_sub / 1e9, 1)})

    # the measurements first (ours f16 and f32 beside transformers, stream against resident), then the
    # optional ones (the baseline's jar, one point); the summary is rewritten after each run, so that a run stopped
    # at its time limit keeps the FLOP/s of what it measured
    out16 = run_ours(a, model, p_all, a.half, "ours_f16", res, device, sum(lengths), sample=gpu)
    summarize(res, flops_all, flops_sub)
    out32 = None
    if time.time() < a.deadline - 90:
        out32 = run_ours(a, model, p_sub, "f32", "ours_f32", res, device, sum(lengths[i] for i in sub), sample=gpu)
        summarize(res, flops_all, flops_sub)
    else:
        res.put("ours_f32", {"skipped": "deadline"})
    against_hf(res, cfg, ref32, out16, out32, sub)
    streamed(a, model, p_all, res, device, lengths, out16, cfg["num_hidden_layers"] + 1, gpu)
    base = baseline_root(a)
    if base and time.time() < a.deadline - 120:
        outb = run_ours(a, model, p_all, a.half, "ours_f16_baseline", res, device, sum(lengths), sample=gpu, root=base)
        if outb and out16:
            cmp = same_files(out16, outb)
            cur, old = res.t["ours_f16"], res.t["ours_f16_baseline"]
            cmp.update({"tok_s_forward": [cur["tok_s_forward"], old["tok_s_forward"]],
                        "forward_speedup": round(old["forward_s"] / cur["forward_s"], 3),
                        "run_minus_forward_s": [cur["run_minus_forward_s"], old["run_minus_forward_s"]],
                        "note": "[ours, baseline]; identical = layer files and samples.csv equal byte for byte"})
            res.put("ours_f16_vs_baseline", cmp)
    elif base:
        res.put("ours_f16_baseline", {"skipped": "deadline"})
    if time.time() < a.deadline - 60:
        # the forward pass is the same; only the last extraction point is copied and written
        last = str(cfg["num_hidden_layers"])
        run_ours(a, model, p_all, a.half, "ours_f16_one_point", res, device, sum(lengths),
                 extra=("--layers", last), sample=gpu)
    else:
        res.put("ours_f16_one_point", {"skipped": "deadline"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
