# Grounds the Llama-3-8B estimate in docs/BENCHMARKS.md (section Extraction): times the same op composition as
# landscape.extract.model (linear, rotate-half rope, matmul attention with f32 softmax, SwiGLU) for Llama-3-8B
# shapes in f16/bf16 on one GPU, with token-budget batches and with batch 1. Random weights, one layer reused 32x.
import time, torch
torch.manual_seed(0)
dev = "cuda"
H, NH, KV, D, I, V, L = 4096, 32, 8, 128, 14336, 128256, 32

def peak(dt):
    a = torch.randn(8192, 8192, device=dev, dtype=dt); b = torch.randn(8192, 8192, device=dev, dtype=dt)
    for _ in range(3): a @ b
    torch.cuda.synchronize(); t = time.perf_counter()
    for _ in range(10): a @ b
    torch.cuda.synchronize(); return 10 * 2 * 8192**3 / (time.perf_counter() - t)

def run(dt, B, T, reps=3):
    w = {k: torch.randn(s, device=dev, dtype=dt) * 0.02 for k, s in dict(q=(NH*D, H), k=(KV*D, H), v=(KV*D, H),
         o=(H, NH*D), g=(I, H), u=(I, H), d=(H, I)).items()}
    n1 = torch.ones(H, device=dev, dtype=dt); lm = torch.randn(V, H, device=dev, dtype=dt) * 0.02
    pos = torch.arange(T, device=dev).float()
    inv = 1.0 / (500000.0 ** (torch.arange(0, D, 2, device=dev).float() / D))
    f = torch.outer(pos, inv); emb = torch.cat([f, f], -1); cos, sin = emb.cos().to(dt), emb.sin().to(dt)
    mask = torch.triu(torch.full((T, T), -1e30, device=dev), 1)
    def rms(x):
        xf = x.float(); return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 1e-5)).to(dt) * n1
    def rope(x):
        x1, x2 = x[..., :D//2], x[..., D//2:]; return x * cos + torch.cat([-x2, x1], -1) * sin
    def layer(h):
        x = rms(h)
        q = rope(torch.nn.functional.linear(x, w['q']).view(B, T, NH, D).transpose(1, 2))
        k = rope(torch.nn.functional.linear(x, w['k']).view(B, T, KV, D).transpose(1, 2))
        v = torch.nn.functional.linear(x, w['v']).view(B, T, KV, D).transpose(1, 2)
        s = (q.reshape(B, KV, NH//KV*T, D) @ k.transpose(2, 3)).float().view(B, KV, NH//KV, T, T) * D**-0.5 + mask
        p = s.softmax(-1).to(dt).view(B, KV, NH//KV*T, T)
        c = (p @ v).view(B, NH, T, D).transpose(1, 2).reshape(B, T, NH*D)
        h = h + torch.nn.functional.linear(c, w['o'])
        x = rms(h)
        return h + torch.nn.functional.linear(torch.nn.functional.silu(torch.nn.functional.linear(x, w['g'])) * torch.nn.functional.linear(x, w['u']), w['d'])
    def fwd():
        h = torch.randn(B, T, H, device=dev, dtype=dt)
        for _ in range(L): h = layer(h)
        return torch.nn.functional.linear(rms(h[:, -1]), lm)
    with torch.no_grad():
        fwd(); torch.cuda.synchronize(); t = time.perf_counter()
        for _ in range(reps): fwd()
        torch.cuda.synchronize(); dtm = (time.perf_counter() - t) / reps
    flops = L * (2 * T * (H*NH*D + 2*H*KV*D + NH*D*H + 3*H*I) + 4 * T * (T + 1) / 2 * NH * D) + 2 * H * V
    return dtm, B * T / dtm, B * flops / dtm, torch.cuda.max_memory_allocated() / 2**30

print(torch.cuda.get_device_name(), torch.__version__)
for dt in (torch.bfloat16, torch.float16):
    p = peak(dt); print(f"{dt}: 8192^3 matmul {p/1e12:.0f} TFLOP/s")
    for B, T in ((1, 640), (25, 640), (16, 1024), (8, 2048)):
        torch.cuda.reset_peak_memory_stats()
        s, tps, fl, mem = run(dt, B, T)
        print(f"  B={B:3d} T={T:5d}: {s*1e3:8.1f} ms/batch {tps:10.0f} tokens/s {fl/1e12:6.0f} TFLOP/s ({100*fl/p:.0f}% of matmul) peak mem {mem:.1f} GiB", flush=True)
