"""grukit.nn.GRU (backend="fused") against torch.nn.GRU on the target shapes, 1 and 2 threads.

Protocol: float32, one process, every model run in turn (after a warm-up), median of --repeats
runs; ratio = torch.nn.GRU's time / grukit's (above 1: grukit is faster). Training is forward
plus backward of output.sum() + h_n.sum(); inference runs under no_grad. Targets:

    training  (800, 50, 1, 20, 2) sine tutorial >= 4x   (256, 96, 7, 64, 1) ETTh1-like >= 3x
              (64, 256, 64, 128, 1) >= 2x          (128, 256, 512, 512, 1) >= 1.2x
    inference at batch 1, 96 steps, hidden 64: per-step latency <= 1/5 of torch.nn.GRU's (ratio >= 5)

Run (about 10 minutes on 2 busy cores, most of it torch.nn.GRU on the largest shape):

    python benchmarks/bench_gru.py
    python benchmarks/bench_gru.py --threads 1 --repeats 7 --skip-large

The same numbers for any shape: ``grukit bench gru --shape B,T,I,H,L --threads N``.
"""

from __future__ import annotations

import argparse
import os

from grukit.bench import Shape, bench_shape

TRAINING = {"800,50,1,20,2": 4.0, "256,96,7,64,1": 3.0, "64,256,64,128,1": 2.0, "128,256,512,512,1": 1.2}
INFERENCE = {"1,96,7,64,1": 5.0}


def measure(threads: int, repeats: int, skip_large: bool) -> list[tuple[str, str, float, float, float, float]]:
    rows = []
    for cases, mode in ((TRAINING, "train"), (INFERENCE, "forward")):
        for text, target in cases.items():
            shape = Shape.parse(text)
            if skip_large and shape.hidden_size >= 512:
                continue
            results = bench_shape(shape, ["fused"], (mode,), threads, repeats, memory=False)
            ours = next(r for r in results if r.backend != "torch.nn.GRU")
            theirs = next(r for r in results if r.backend == "torch.nn.GRU")
            rows.append((text, mode, theirs.seconds, ours.seconds, ours.ratio, target))
            print(f"  {threads} thread(s) {text:<18} {mode:<8} ratio {ours.ratio:6.2f} (target {target})", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-large", action="store_true", help="leave out (128, 256, 512, 512, 1)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    table = [(threads, row) for threads in args.threads for row in measure(threads, args.repeats, args.skip_large)]
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    print("| shape B,T,I,H,L | mode | threads | torch.nn.GRU ms | fused ms | ratio | target | met |")
    print("|---|---|---|---|---|---|---|---|")
    for threads, (shape, mode, theirs, ours, ratio, target) in table:
        met = "yes" if ratio >= target else "no"
        print(f"| {shape} | {mode} | {threads} | {theirs * 1e3:.2f} | {ours * 1e3:.2f} | {ratio:.2f} | "
              f">= {target} | {met} |")


if __name__ == "__main__":
    main()
