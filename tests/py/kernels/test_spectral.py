"""spectral/dft.wgsl against converter/reference's fft and ifft (numpy's, in float64)."""

import numpy as np
import pytest

from tensorweb.converter import reference
from tensorweb.kernels import Output


@pytest.mark.parametrize("inverse", [False, True], ids=["fft", "ifft"])
@pytest.mark.parametrize("rows, n", [(1, 1), (1, 3), (3, 5), (2, 16), (5, 12), (1, 100)])
def test_dft(runner, rng, inverse, rows, n):
    # any length, powers of two or not; 5 x 12 = 60 and 100 outputs leave part of a 64-thread workgroup idle
    pairs = rng.uniform(-3, 3, (rows, n, 2)).astype(np.float32)
    turns = 2 * np.pi * np.arange(n) / n
    twiddles = np.stack([np.cos(turns), np.sin(turns)], axis=-1).astype(np.float32)
    out = runner.run("spectral/dft.wgsl", workgroups=-(-rows * n // 64), x=pairs, twiddles=twiddles, out=Output(pairs.shape),
                     params={"size": rows * n, "n": n, "sign": 1.0 if inverse else -1.0, "scale": 1.0 / n if inverse else 1.0})["out"]
    z = (pairs[..., 0] + 1j * pairs[..., 1]).astype(np.complex64)
    expected = reference.ORACLE["ifft" if inverse else "fft"]([z], {})[0]
    np.testing.assert_allclose(out, np.stack([expected.real, expected.imag], axis=-1), rtol=1e-4, atol=1e-5 * n)


@pytest.mark.parametrize("inverse", [False, True], ids=["fft", "ifft"])
@pytest.mark.parametrize("rows, n", [(1, 2), (3, 4), (2, 16), (5, 32), (1, 256)])
def test_fft_radix2(runner, rng, inverse, rows, n):
    # the runtime's passes: span 1, 2 ... n / 2, each reading the last one's output; ifft scales on the last
    pairs = rng.uniform(-3, 3, (rows, n, 2)).astype(np.float32)
    turns = 2 * np.pi * np.arange(n) / n
    twiddles = np.stack([np.cos(turns), np.sin(turns)], axis=-1).astype(np.float32)
    values, span = pairs, 1
    while span < n:
        last = span * 2 == n
        values = runner.run("spectral/fft_radix2.wgsl", workgroups=-(-rows * n // 2 // 64), x=values, twiddles=twiddles,
                            out=Output(pairs.shape), params={"size": rows * n // 2, "n": n, "span": span,
                                                             "sign": 1.0 if inverse else -1.0,
                                                             "scale": 1.0 / n if inverse and last else 1.0})["out"]
        span *= 2
    z = (pairs[..., 0] + 1j * pairs[..., 1]).astype(np.complex64)
    expected = reference.ORACLE["ifft" if inverse else "fft"]([z], {})[0]
    np.testing.assert_allclose(values, np.stack([expected.real, expected.imag], axis=-1), rtol=1e-4, atol=1e-5 * n)
