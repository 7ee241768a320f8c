"""numpy references for the convolution kernels: loops over kernel offsets, any number of spatial dims.

Tensors are channels-last: x is [N, *spatial, C]; weights are [*kernel, Cin, Cout] (depthwise: [*kernel,
Cin, multiplier]); `pads` holds (before, after) for each spatial dim.
"""

import itertools

import numpy as np


def output_size(size, kernel, stride, dilation, pad_before, pad_after):
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def _padded(x, pads):
    return np.pad(x.astype(np.float64), [(0, 0)] + list(pads) + [(0, 0)])


def _out_spatial(x_spatial, kernel, stride, dilation, pads):
    return tuple(output_size(*args, *p) for args, p in zip(zip(x_spatial, kernel, stride, dilation), pads))


def _offsets(kernel):
    return itertools.product(*(range(k) for k in kernel))


def _tap(offset, out_spatial, stride, dilation):
    """Index of the padded-input values that kernel offset `offset` meets for every output pixel."""
    return (slice(None),) + tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                                  for k, o, s, d in zip(offset, out_spatial, stride, dilation))


def conv(x, w, stride, dilation, pads):
    kernel = w.shape[:-2]
    out_spatial = _out_spatial(x.shape[1:-1], kernel, stride, dilation, pads)
    xp = _padded(x, pads)
    out = np.zeros((x.shape[0],) + out_spatial + (w.shape[-1],))
    for offset in _offsets(kernel):
        out += xp[_tap(offset, out_spatial, stride, dilation)] @ w[offset].astype(np.float64)
    return out


def conv_backprop_input(dy, w, x_shape, stride, dilation, pads):
    spatial = x_shape[1:-1]
    dxp = np.zeros((x_shape[0],) + tuple(s + b + a for s, (b, a) in zip(spatial, pads)) + (x_shape[-1],))
    for offset in _offsets(w.shape[:-2]):
        dxp[_tap(offset, dy.shape[1:-1], stride, dilation)] += dy.astype(np.float64) @ w[offset].astype(np.float64).T
    return dxp[(slice(None),) + tuple(slice(b, b + s) for s, (b, _) in zip(spatial, pads))]


def conv_backprop_filter(x, dy, kernel, stride, dilation, pads):
    xp = _padded(x, pads)
    dw = np.zeros(tuple(kernel) + (x.shape[-1], dy.shape[-1]))
    dy2 = dy.reshape(-1, dy.shape[-1]).astype(np.float64)
    for offset in _offsets(kernel):
        dw[offset] = xp[_tap(offset, dy.shape[1:-1], stride, dilation)].reshape(-1, x.shape[-1]).T @ dy2
    return dw


def depthwise_conv2d(x, w, stride, dilation, pads):
    """Output channel c * multiplier + q."""
    c, mult = w.shape[-2:]
    out_spatial = _out_spatial(x.shape[1:-1], w.shape[:-2], stride, dilation, pads)
    xp = _padded(x, pads)
    out = np.zeros((x.shape[0],) + out_spatial + (c, mult))
    for offset in _offsets(w.shape[:-2]):
        out += xp[_tap(offset, out_spatial, stride, dilation)][..., None] * w[offset]
    return out.reshape(out.shape[:-2] + (c * mult,))


def depthwise_conv2d_backprop_input(dy, w, x_shape, stride, dilation, pads):
    c, mult = w.shape[-2:]
    spatial = x_shape[1:-1]
    dy5 = dy.reshape(dy.shape[:-1] + (c, mult)).astype(np.float64)
    dxp = np.zeros((x_shape[0],) + tuple(s + b + a for s, (b, a) in zip(spatial, pads)) + (c,))
    for offset in _offsets(w.shape[:-2]):
        dxp[_tap(offset, dy.shape[1:-1], stride, dilation)] += (dy5 * w[offset]).sum(-1)
    return dxp[(slice(None),) + tuple(slice(b, b + s) for s, (b, _) in zip(spatial, pads))]


def depthwise_conv2d_backprop_filter(x, dy, kernel, multiplier, stride, dilation, pads):
    c = x.shape[-1]
    xp = _padded(x, pads)
    dy5 = dy.reshape(dy.shape[:-1] + (c, multiplier)).astype(np.float64)
    dw = np.zeros(tuple(kernel) + (c, multiplier))
    for offset in _offsets(kernel):
        patch = xp[_tap(offset, dy.shape[1:-1], stride, dilation)]
        dw[offset] = (patch[..., None] * dy5).sum(axis=tuple(range(dy.ndim - 1)))
    return dw
