"""grukit.nn.MinGRU against grukit.nn.GRU (fused CPU kernel) and torch.nn.GRU: training throughput.

Protocol: float32, one layer, input_size = hidden_size = 128 (a layer inside a stack sees its
hidden size), batch 16, T = 128, 512 and 2048. "Training" is one forward plus backward of
output.sum() + h_n.sum() into the parameters (the input needs no gradient), without an optimizer
step. The models run in turn in one process, after a warm-up, --repeats times; short calls
are timed in batches of at least 20 ms. Reported: the median, the throughput in sequence steps
per second (B * T / seconds) and MinGRU's throughput over each GRU's (above 1: MinGRU is
faster). The target: MinGRU at T = 2048, H = 128 at least 10x the GRU's throughput.

"MinGRU" is MinGRU's default backend (the C kernel on the CPU, backend="fused"); "MinGRU torch"
is backend="torch", the parallel scan in torch operations. "matmuls" is the time of the torch
path's two matrix products alone (gates = x W^T + b, and W's gradient), the floor under any
MinGRU on torch's CPU matrix product.

    python benchmarks/bench_mingru.py                       # 1 and 2 threads, about 7 minutes when loaded
    python benchmarks/bench_mingru.py --threads 1 --steps 2048 --repeats 7
    python benchmarks/bench_mingru.py --scans               # the scan alternatives, T = 2048
    python benchmarks/bench_mingru.py --pieces              # the torch path's piece and chunk sizes, T = 2048
    python benchmarks/bench_mingru.py --blocks              # the C kernel's time blocks, T = 2048
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

import _common
from grukit.bench.gru import interleaved_medians
from grukit.nn import GRU, MinGRU
from grukit.nn._mingru_kernel import fused_mingru_layer
from grukit.nn.mingru import mingru_sequence
from grukit.nn.scan import mingru_coefficients, mingru_log_coefficients, scan_linear, scan_linear_adjoint, scan_log


def training_step(model: torch.nn.Module, x: torch.Tensor) -> Callable[[], None]:
    def run() -> None:
        model.zero_grad(set_to_none=True)
        output, h_n = model(x)
        (output.sum() + h_n.sum()).backward()
    return run


def matmuls(model: MinGRU, x: torch.Tensor) -> Callable[[], None]:
    """MinGRU's two matrix products alone: the gates and the weight's gradient."""
    rows = x.reshape(-1, x.shape[-1])  # (T*B, I)
    grad = torch.randn(rows.shape[0], 2 * model.hidden_size)  # (T*B, 2H)

    def run() -> None:
        F.linear(rows, model.weight_l0, model.bias_l0)
        grad.t() @ rows
    return run


def compare(steps: int, args: argparse.Namespace) -> dict:
    torch.manual_seed(0)
    x = torch.randn(steps, args.batch, args.input_size)  # (T, B, I)
    mingru = MinGRU(args.input_size, args.hidden_size)
    mingru_torch = MinGRU(args.input_size, args.hidden_size, backend="torch")
    mingru_torch.load_state_dict(mingru.state_dict())
    fused = GRU(args.input_size, args.hidden_size, backend="auto")
    torch_gru = torch.nn.GRU(args.input_size, args.hidden_size)
    gru_name = f"grukit GRU ({fused.backend_in_use})"
    runs = {"MinGRU": training_step(mingru, x), "MinGRU torch": training_step(mingru_torch, x),
            gru_name: training_step(fused, x), "torch.nn.GRU": training_step(torch_gru, x),
            "matmuls": matmuls(mingru, x)}
    seconds = interleaved_medians(runs, args.repeats)
    return {"threads": torch.get_num_threads(), "steps": steps, "batch": args.batch, "seconds": seconds,
            "mingru_backend": mingru.backend_in_use, "vs_grukit": seconds[gru_name] / seconds["MinGRU"],
            "vs_torch": seconds["torch.nn.GRU"] / seconds["MinGRU"],
            "steps_per_s": args.batch * steps / seconds["MinGRU"], "gru_name": gru_name}


# ----------------------------------------------------------------- scan alternatives (--scans)
def scan_linear_by_division(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor, chunk_size: int,
                            cumsum: Callable) -> torch.Tensor:
    """Measured and not kept: per chunk, h_t = A_t (h_0 + sum_{s<=t} b_s / A_s), A_t = prod_{s<=t} a_s.

    Needs A_s above float32's range floor within every chunk (1/A_s overflows otherwise), so it
    would have needed the log-space scan as a fallback.
    """
    chunks = []
    state = h0
    for a_c, b_c in zip(a.split(chunk_size), b.split(chunk_size)):
        decay = torch.exp(cumsum(torch.log(a_c)))  # (C, ...)
        h = decay * (state + cumsum(b_c / decay))
        chunks.append(h)
        state = h[-1]
    return torch.cat(chunks)


def scan_by_decay_matrix(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor, chunk_size: int) -> torch.Tensor:
    """Measured and not kept: per chunk, h_t = A_t h_0 + sum_{s<=t} D_ts b_s with a (C, C) decay matrix
    D_ts = exp(log A_t - log A_s) per channel (as chunked state-space scans do): C times the work.
    """
    chunks = []
    state = h0
    for a_c, b_c in zip(a.split(chunk_size), b.split(chunk_size)):
        log_decay = torch.cumsum(torch.log(a_c), dim=0)  # (C, B, H)
        steps = len(a_c)
        later = torch.ones(steps, steps, dtype=torch.bool).tril().view(steps, steps, 1, 1)  # (C, C, 1, 1): s <= t
        gaps = (log_decay.unsqueeze(1) - log_decay.unsqueeze(0)).masked_fill(~later, float("-inf"))  # (C, C, B, H)
        h = torch.einsum("tsbh,sbh->tbh", gaps.exp(), b_c) + log_decay.exp() * state
        chunks.append(h)
        state = h[-1]
    return torch.cat(chunks)


def tril_cumsum(x: torch.Tensor) -> torch.Tensor:
    """Cumulative sum over time as a product with a lower-triangular matrix of ones."""
    ones = torch.ones(x.shape[0], x.shape[0], dtype=x.dtype).tril_()  # (C, C)
    return (ones @ x.reshape(x.shape[0], -1)).view(x.shape)


def with_autograd(scan: Callable, a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor) -> Callable[[], None]:
    def run() -> None:
        a_, b_ = a.detach().requires_grad_(True), b.detach().requires_grad_(True)
        scan(a_, b_, h0).sum().backward()
    return run


def with_adjoint(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor, chunk_size: int) -> Callable[[], None]:
    """scan_linear and its adjoint scan, what MinGRU's backward pass runs."""
    def run() -> None:
        h = scan_linear(a, b, h0, chunk_size)
        lam = scan_linear_adjoint(a, torch.ones_like(h), None, chunk_size)
        lam[1:] * h[:-1]  # dL/da
    return run


def compare_scans(args: argparse.Namespace) -> list[list]:
    """Forward + backward of each scan over (T, B, H) = (2048, batch, hidden) minGRU coefficients."""
    torch.manual_seed(0)
    k, p = torch.randn(2, 2048, args.batch, args.hidden_size) * 0.5
    h0 = torch.zeros(args.batch, args.hidden_size)
    a, b = mingru_coefficients(k, p)
    log_a, log_b = mingru_log_coefficients(k, p)
    runs = {}
    for chunk in (16, 32, 64, 128):
        runs[f"log space (scan_log), chunk {chunk}, autograd"] = with_autograd(
            lambda la, lb, h0, c=chunk: scan_log(la, lb, h0, c), log_a, log_b, h0)
    for chunk in (16, 32, 64):
        for name, cumsum in (("torch.cumsum", lambda x: torch.cumsum(x, 0)), ("tril matmul", tril_cumsum)):
            runs[f"linear, divide by cumprod, {name}, chunk {chunk}, autograd"] = with_autograd(
                lambda a, b, h0, c=chunk, f=cumsum: scan_linear_by_division(a, b, h0, c, f), a, b, h0)
    for chunk in (16, 32):
        runs[f"decay matrix per chunk, chunk {chunk}, autograd"] = with_autograd(
            lambda a, b, h0, c=chunk: scan_by_decay_matrix(a, b, h0, c), a, b, h0)
    for chunk in (8, 16, 32, 64, 128):
        runs[f"linear, chunked (scan_linear), chunk {chunk}, adjoint"] = with_adjoint(a, b, h0, chunk)
    runs["linear, step-by-step loop (chunk 1), adjoint"] = with_adjoint(a, b, h0, 1)
    seconds = interleaved_medians(runs, args.repeats)
    best = min(seconds.values())
    return [[name, s * 1e3, s / best] for name, s in seconds.items()]


def compare_pieces(args: argparse.Namespace) -> list[list]:
    """MinGRU's training step at T = 2048 for piece lengths (steps) and scan chunk sizes."""
    torch.manual_seed(0)
    x = torch.randn(2048, args.batch, args.input_size)
    model = MinGRU(args.input_size, args.hidden_size)
    weight, bias = model.layer_parameters(0)
    h0 = torch.zeros(args.batch, args.hidden_size)

    def step(piece: int, chunk: int) -> Callable[[], None]:
        def run() -> None:
            model.zero_grad(set_to_none=True)
            mingru_sequence(x, h0, weight, bias, chunk, piece).sum().backward()
        return run

    runs = {(piece, chunk): step(piece, chunk) for piece in (64, 128, 256, 512, 2048) for chunk in (8, 16, 32)}
    seconds = interleaved_medians(runs, args.repeats)
    best = min(seconds.values())
    return [[piece, piece * args.batch * args.hidden_size, chunk, s * 1e3, s / best]
            for (piece, chunk), s in seconds.items()]


def compare_blocks(args: argparse.Namespace) -> list[list]:
    """The C kernel's training step at T = 2048 for time blocks of n steps (0: its default)."""
    torch.manual_seed(0)
    x = torch.randn(2048, args.batch, args.input_size)
    model = MinGRU(args.input_size, args.hidden_size)
    weight, bias = model.layer_parameters(0)
    h0 = torch.zeros(args.batch, args.hidden_size)

    def step(block_steps: int) -> Callable[[], None]:
        def run() -> None:
            model.zero_grad(set_to_none=True)
            h, h_n = fused_mingru_layer(x, h0, weight, bias, block_steps)
            (h.sum() + h_n.sum()).backward()
        return run

    runs = {n: step(n) for n in (0, 1, 2, 4, 8, 16, 32, 64, 128)}
    seconds = interleaved_medians(runs, args.repeats)
    best = min(seconds.values())
    return [[n or "default", n * args.batch if n else "about 256", s * 1e3, s / best] for n, s in seconds.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--steps", type=int, nargs="+", default=[128, 512, 2048], help="sequence lengths T")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--input-size", type=int, default=128)
    parser.add_argument("--hidden-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scans", action="store_true", help="time the scan alternatives instead (1st thread count)")
    parser.add_argument("--pieces", action="store_true", help="time the torch path's piece/chunk sizes instead")
    parser.add_argument("--blocks", action="store_true", help="time the C kernel's time blocks instead")
    parser.add_argument("--out", type=Path, default=None, help="folder for results.json (default: write nothing)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads[0])
    print(_common.machine())
    if args.scans:
        print(_common.table(["scan, forward + backward, (2048, B, H)", "ms", "x fastest"], compare_scans(args)))
        return
    if args.pieces:
        print(_common.table(["piece steps", "values per array", "chunk", "ms", "x fastest"], compare_pieces(args)))
        return
    if args.blocks:
        print(_common.table(["block steps", "(step, row) pairs", "ms", "x fastest"], compare_blocks(args)))
        return
    results = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        for steps in args.steps:
            results.append(compare(steps, args))
            r = results[-1]
            print(f"  {threads} thread(s) T={steps}: MinGRU {r['vs_grukit']:.2f}x {r['gru_name']}, "
                  f"{r['vs_torch']:.2f}x torch.nn.GRU", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    print(f"B={args.batch}, I={args.input_size}, H={args.hidden_size}, float32, forward + backward, "
          f"median of {args.repeats}; MinGRU runs backend={results[0]['mingru_backend']!r}")
    gru = results[0]["gru_name"]
    print(f"| threads | T | MinGRU ms | MinGRU torch ms | {gru} ms | torch.nn.GRU ms | torch matmuls ms | "
          f"MinGRU steps/s | x {gru} | x torch.nn.GRU |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        s = r["seconds"]
        print(f"| {r['threads']} | {r['steps']} | {s['MinGRU'] * 1e3:.1f} | {s['MinGRU torch'] * 1e3:.1f} | "
              f"{s[gru] * 1e3:.1f} | {s['torch.nn.GRU'] * 1e3:.1f} | {s['matmuls'] * 1e3:.1f} | "
              f"{r['steps_per_s']:,.0f} | {r['vs_grukit']:.2f} | {r['vs_torch']:.2f} |")
    _common.save(args, {"results": results})


if __name__ == "__main__":
    main()
