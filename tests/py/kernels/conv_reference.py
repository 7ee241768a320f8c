"""numpy references for the convolution kernels: loops over filter taps."""

import numpy as np


def output_size(size, kernel, stride, dilation, pad_before, pad_after):
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def _tap_slices(kh, kw, out_h, out_w, stride, dilation):
    (sh, sw), (dh, dw) = stride, dilation
    return (slice(None), slice(kh * dh, kh * dh + sh * (out_h - 1) + 1, sh),
            slice(kw * dw, kw * dw + sw * (out_w - 1) + 1, sw))


def conv2d(x, w, stride=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0)):
    """x NHWC, w HWIO, pads (top, bottom, left, right)."""
    top, bottom, left, right = pads
    xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    kh_, kw_ = w.shape[:2]
    out_h = output_size(x.shape[1], kh_, stride[0], dilation[0], top, bottom)
    out_w = output_size(x.shape[2], kw_, stride[1], dilation[1], left, right)
    out = np.zeros((x.shape[0], out_h, out_w, w.shape[3]))
    for kh in range(kh_):
        for kw in range(kw_):
            out += xp[_tap_slices(kh, kw, out_h, out_w, stride, dilation)] @ w[kh, kw].astype(np.float64)
    return out


def conv2d_backprop_input(dy, w, x_shape, stride=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0)):
    top, bottom, left, right = pads
    n, h, wd, c = x_shape
    dxp = np.zeros((n, h + top + bottom, wd + left + right, c))
    for kh in range(w.shape[0]):
        for kw in range(w.shape[1]):
            dxp[_tap_slices(kh, kw, dy.shape[1], dy.shape[2], stride, dilation)] += (
                dy.astype(np.float64) @ w[kh, kw].astype(np.float64).T)
    return dxp[:, top:top + h, left:left + wd]


def conv2d_backprop_filter(x, dy, filter_hw, stride=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0)):
    top, bottom, left, right = pads
    xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    dw = np.zeros(filter_hw + (x.shape[3], dy.shape[3]))
    dy2 = dy.reshape(-1, dy.shape[3]).astype(np.float64)
    for kh in range(filter_hw[0]):
        for kw in range(filter_hw[1]):
            patch = xp[_tap_slices(kh, kw, dy.shape[1], dy.shape[2], stride, dilation)]
            dw[kh, kw] = patch.reshape(-1, x.shape[3]).T @ dy2
    return dw


def depthwise_conv2d(x, w, stride=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0)):
    """w is [KH, KW, Cin, multiplier]; output channel c * multiplier + q."""
    top, bottom, left, right = pads
    xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    kh_, kw_, c, mult = w.shape
    out_h = output_size(x.shape[1], kh_, stride[0], dilation[0], top, bottom)
    out_w = output_size(x.shape[2], kw_, stride[1], dilation[1], left, right)
    out = np.zeros((x.shape[0], out_h, out_w, c, mult))
    for kh in range(kh_):
        for kw in range(kw_):
            out += xp[_tap_slices(kh, kw, out_h, out_w, stride, dilation)][..., None] * w[kh, kw]
    return out.reshape(x.shape[0], out_h, out_w, c * mult)


def depthwise_conv2d_backprop_input(dy, w, x_shape, stride=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0)):
    top, bottom, left, right = pads
    n, h, wd, c = x_shape
    kh_, kw_, _, mult = w.shape
    dy5 = dy.reshape(dy.shape[:3] + (c, mult)).astype(np.float64)
    dxp = np.zeros((n, h + top + bottom, wd + left + right, c))
    for kh in range(kh_):
        for kw in range(kw_):
            dxp[_tap_slices(kh, kw, dy.shape[1], dy.shape[2], stride, dilation)] += (dy5 * w[kh, kw]).sum(-1)
    return dxp[:, top:top + h, left:left + wd]


def depthwise_conv2d_backprop_filter(x, dy, filter_hw, multiplier, stride=(1, 1), dilation=(1, 1),
                                     pads=(0, 0, 0, 0)):
    top, bottom, left, right = pads
    xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    c = x.shape[3]
    dy5 = dy.reshape(dy.shape[:3] + (c, multiplier)).astype(np.float64)
    dw = np.zeros(filter_hw + (c, multiplier))
    for kh in range(filter_hw[0]):
        for kw in range(filter_hw[1]):
            patch = xp[_tap_slices(kh, kw, dy.shape[1], dy.shape[2], stride, dilation)]
            dw[kh, kw] = (patch[..., None] * dy5).sum((0, 1, 2))
    return dw
