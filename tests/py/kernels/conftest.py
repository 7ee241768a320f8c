"""The kernel tier: WGSL from shaders/ run through wgpu, checked against numpy.

There is no skip path: a machine with no wgpu adapter fails every test here.
"""

import numpy as np
import pytest

from tensorweb.kernels import KernelRunner


@pytest.fixture(scope="session")
def runner() -> KernelRunner:
    return KernelRunner()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
