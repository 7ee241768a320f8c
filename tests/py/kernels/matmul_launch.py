"""How the runtime launches the matmul kernels: uniforms, tiles, split-K second pass."""

import numpy as np

from tensorweb.kernels import Output, body, broadcast_strides, grid, types

TILE = {"WG_X": 8, "WG_Y": 8, "TILE_K": 8}  # 32 x 32 output tiles: small shapes span several
REGISTERS_TILE = {"WG_X": 1, "WG_Y": 4}  # the runtime's, for every shape: 64 or 128 rows x 16 columns
PLACEHOLDER = np.zeros(4, np.float32)


def tolerance(k):
    return {"rtol": 1e-4, "atol": 1e-5 * np.sqrt(max(k, 1)) * 10}


# The activations EPILOGUE_IN_PARAMS kernels apply, as the clamp bounds the runtime gives them in alpha and beta.
CLAMP_BOUNDS = {"v": (-np.inf, np.inf), "relu_f32(v)": (0.0, np.inf), "relu6_f32(v)": (0.0, 6.0)}
# Activations switched by params: the clamp's bounds, and bit 8 of params.epilogue for hardswish's gate after it.
PARAMS_ACTIVATIONS = {**{name: (bounds, 0) for name, bounds in CLAMP_BOUNDS.items()}, "hardSwish_f32(v)": ((-np.inf, np.inf), 8)}


def run_matmul(runner, a, b, *, transpose_a=False, transpose_b=False, bias=None, residual=None, prelu=None,
               activation="v", alpha=0.0, vec4=False, registers=None, two_k_steps=False, splits=1, k_chunk=None,
               elem="f32", tile=None, matvec=None, b_packed=None, epilogue_in_params=False):
    """a is [..., M, K] (or [..., K, M] with transpose_a); b is [..., K, N] (or [..., N, K]).

    registers: rows per thread (32; 16 with the rows_16_to_31 slot empty; 8 with rows_8_to_15 empty too) of
    matmul/matmul_vec4_registers.wgsl (row-major, K and N multiples of 4; each
    thread owns those rows and 16 columns; TILE_K unused), with its
    TWO_K_STEPS knob from two_k_steps; None for the other kernels.
    matvec: the overrides (WG_COLUMNS, WG_K, ROWS) of matmul/matvec.wgsl (K and
    N multiples of 4, B transposed or not; ROWS output rows per workgroup).
    b_packed: with matvec, B's packed storage from `pack_weight` (b then gives only the shape).
    prelu: prelu's slope per output column ([N]), applied after bias and residual (HAS_PRELU).
    epilogue_in_params: with registers or matvec, the epilogue's parts switched by params.epilogue's bits
    (EPILOGUE_IN_PARAMS, as the runtime launches them on CPU adapters) rather than by HAS_* constants.
    """
    vec4 = vec4 or registers is not None or matvec is not None
    tile = tile or matvec or (REGISTERS_TILE if registers else TILE)
    m, k = a.shape[-2:][::-1] if transpose_a else a.shape[-2:]
    n = b.shape[-2] if transpose_b else b.shape[-1]
    batch_shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    assert len(batch_shape) <= 4
    padded = (1,) * (4 - len(batch_shape)) + batch_shape
    batch = int(np.prod(batch_shape))
    a_batch_strides = broadcast_strides(a.shape[:-2], padded)
    b_batch_strides = broadcast_strides(b.shape[:-2], padded)
    a_batch_strides = [s * m * k for s in a_batch_strides]
    b_batch_strides = [s * k * n for s in b_batch_strides]
    if matvec:
        tile_m, tile_n = matvec["ROWS"], 4 * matvec["WG_COLUMNS"]
    else:
        tile_m = tile["WG_Y"] * (registers or (8 if vec4 else 4))  # rows per thread
        tile_n = tile["WG_X"] * (16 if registers else 4)
    m_tiles = -(-m // tile_m)
    k_chunk = k_chunk or k
    dtype = np.float16 if elem == "f16" else np.float32
    params = {"m": m, "n": n, "k": k, "batch": batch, "m_tiles": m_tiles, "splits": splits,
              "k_chunk": k_chunk, "batch_shape": padded, "a_batch_strides": a_batch_strides,
              "b_batch_strides": b_batch_strides, "alpha": alpha, "beta": 0.0}
    packed = {}
    if matvec:
        words, packed_constants, packed_params = b_packed or (PLACEHOLDER.view(np.uint32), {}, {})
        params |= {"b_affine_offset": 0, "b_channels": 1} | packed_params
        packed = {"b_packed": words}
        if b_packed:
            b = PLACEHOLDER
    else:
        packed_constants = {}
    if not vec4:
        params |= {"a_stride_m": 1 if transpose_a else k, "a_stride_k": m if transpose_a else 1,
                   "b_stride_k": 1 if transpose_b else n, "b_stride_n": k if transpose_b else 1}
    epilogue = splits == 1
    rows_slots = {32: {}, 16: {"rows_16_to_31": ""}, 8: {"rows_8_to_15": "", "rows_16_to_31": ""}}
    slots = {"types": types(Elem=elem)} | (rows_slots[registers] if registers else {})
    if epilogue:
        slots["body"] = body(activation)
    out_shape = (splits,) + batch_shape + (m, n)
    placeholder = PLACEHOLDER.astype(dtype)
    if matvec:
        shader, constants = "matmul/matvec.wgsl", matvec | {"TRANSPOSE_B": transpose_b} | packed_constants
    elif registers:
        shader, constants = "matmul/matmul_vec4_registers.wgsl", tile | {"ROWS_PER_THREAD": registers, "TWO_K_STEPS": two_k_steps}
    else:
        shader, constants = "matmul/matmul_vec4.wgsl" if vec4 else "matmul/matmul.wgsl", tile
    parts = {"HAS_BIAS": epilogue and bias is not None, "HAS_RESIDUAL": epilogue and residual is not None,
             "HAS_PRELU": epilogue and prelu is not None}
    if matvec or registers:
        bits = sum(bit for bit, on in zip((1, 2, 4), parts.values()) if on)
        if epilogue_in_params:
            # The activation a clamp to [alpha, beta], hardswish with bit 8 (the body slot unread): the ones the
            # runtime switches so.
            (params["alpha"], params["beta"]), activation_bit = PARAMS_ACTIVATIONS[activation]
            bits |= activation_bit
            parts = {"EPILOGUE_IN_PARAMS": True}
            if epilogue:
                slots["body"] = body("v")
        params |= {"epilogue": bits if epilogue_in_params else 0}
    result = runner.run(
        shader, slots=slots, constants=constants | parts,
        workgroups=(-(-n // tile_n),) + grid(m_tiles * batch * splits, runner.max_per_dimension)[:2],
        a=a, b=b, bias=placeholder if bias is None else bias,
        residual=placeholder if residual is None else residual, prelu_weights=placeholder if prelu is None else prelu,
        out=Output(out_shape, dtype), params=params, **packed)["out"]
    if epilogue:
        return result[0]
    size = batch * m * n
    return runner.run(
        "matmul/split_k_reduce.wgsl", slots={"types": types(Elem=elem), "body": body(activation)},
        constants={"HAS_BIAS": bias is not None, "HAS_RESIDUAL": residual is not None, "HAS_PRELU": prelu is not None},
        workgroups=-(-size // 64), partials=result, bias=placeholder if bias is None else bias,
        residual=placeholder if residual is None else residual, prelu_weights=placeholder if prelu is None else prelu, out=Output(batch_shape + (m, n), dtype),
        params={"size": size, "n": n, "splits": splits, "alpha": alpha, "beta": 0.0})["out"]


def pack_weight(codes, quantization):
    """B's words for matmul/matvec.wgsl's b_packed (as the runtime packs a quantised weight:
    js/src/backends/webgpu/packed.ts) from a manifest entry's stored array and `quantization`,
    with the overrides and params that say how to read them."""
    if quantization["dtype"] == "float16":
        halves = np.ascontiguousarray(codes, np.float16).reshape(-1)
        halves = np.concatenate([halves, np.zeros(len(halves) % 2, np.float16)])
        return halves.view(np.uint32), {"B_STORAGE": 1}, {}
    raw = np.ascontiguousarray(codes, np.uint8).reshape(-1)
    raw = np.concatenate([raw, np.zeros(-len(raw) % 4, np.uint8)])
    scale = np.atleast_1d(np.asarray(quantization["scale"], np.float32))
    low = np.atleast_1d(np.asarray(quantization["min"], np.float32))
    words = np.concatenate([raw.view(np.uint32), scale.view(np.uint32), low.view(np.uint32)])
    axis = quantization.get("axis")
    affine = 0 if axis is None else 1 if axis % codes.ndim == codes.ndim - 2 else 2
    return words, {"B_STORAGE": 2, "B_AFFINE": affine}, {"b_affine_offset": len(raw) // 4, "b_channels": len(scale)}
