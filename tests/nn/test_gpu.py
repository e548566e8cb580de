"""On a CUDA GPU: backend="auto" runs cuDNN where the options allow, and every GPU path equals the CPU.

Skipped without a GPU (CI has none).
"""

from __future__ import annotations

import pytest
import torch

from grukit.nn import GRU, MinGRU

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.parametrize(("options", "backend"), [
    ({}, "torch"),
    ({"reset": "before"}, "reference"),
    ({"layer_norm": True}, "reference"),
])
def test_gru_on_the_gpu_equals_the_cpu_with_gradients(options, backend):
    torch.manual_seed(0)
    cpu = GRU(3, 8, num_layers=2, batch_first=True, dtype=torch.float64, **options)
    gpu = GRU(3, 8, num_layers=2, batch_first=True, dtype=torch.float64, **options).cuda()
    gpu.load_state_dict(cpu.state_dict())
    assert gpu.backend_in_use == backend
    x = torch.randn(4, 11, 3, dtype=torch.float64)
    out_cpu, h_cpu = cpu(x)
    out_gpu, h_gpu = gpu(x.cuda())
    torch.testing.assert_close(out_gpu.cpu(), out_cpu, rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(h_gpu.cpu(), h_cpu, rtol=1e-9, atol=1e-10)
    (out_cpu.sum() + h_cpu.sum()).backward()
    (out_gpu.sum() + h_gpu.sum()).backward()
    for (name, p_cpu), p_gpu in zip(cpu.named_parameters(), gpu.parameters()):
        torch.testing.assert_close(p_gpu.grad.cpu(), p_cpu.grad, rtol=1e-8, atol=1e-10, msg=name)


def test_mingru_on_the_gpu_runs_the_torch_scan_and_equals_the_cpu_kernel():
    torch.manual_seed(0)
    cpu = MinGRU(5, 8, num_layers=2, residual=True, dtype=torch.float64)
    gpu = MinGRU(5, 8, num_layers=2, residual=True, dtype=torch.float64).cuda()
    gpu.load_state_dict(cpu.state_dict())
    assert gpu.backend_in_use == "torch"
    x = torch.randn(37, 3, 5, dtype=torch.float64)
    out_cpu, h_cpu = cpu(x)
    out_gpu, h_gpu = gpu(x.cuda())
    torch.testing.assert_close(out_gpu.cpu(), out_cpu, rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(h_gpu.cpu(), h_cpu, rtol=1e-9, atol=1e-10)
