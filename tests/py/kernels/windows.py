"""converter/reference's convolutions (the one numpy oracle) called in the kernel tier's launch terms.

Tensors are channels-last: x is [N, *spatial, C]; weights are [*kernel, Cin, Cout] (depthwise: [*kernel,
Cin, multiplier]); ``pads`` holds (before, after) for each spatial dim. No arithmetic here: each function
only maps its arguments onto reference's.
"""

from tensorweb.converter import ops, reference


def output_size(size, kernel, stride, dilation, pad_before, pad_after):
    return ops.conv_output_size(size, kernel, stride, dilation, pad_before, pad_after)


def _tf_pads(pads):
    """(before, after) per spatial dim as TF.js's explicit pad: [[0, 0], *pairs, [0, 0]]."""
    return [[0, 0], *(list(p) for p in pads), [0, 0]]


def conv(x, w, stride, dilation, pads):
    return reference.conv(x, w, stride, _tf_pads(pads), dilation)


def conv_backprop_input(dy, w, x_shape, stride, dilation, pads):
    return reference.conv_backprop_input(tuple(x_shape), dy, w, stride, _tf_pads(pads), dilation)


def conv_backprop_filter(x, dy, kernel, stride, dilation, pads):
    w_shape = (*kernel, x.shape[-1], dy.shape[-1])
    return reference.conv_backprop_filter(x, dy, w_shape, stride, _tf_pads(pads), dilation)


def depthwise_conv2d(x, w, stride, dilation, pads):
    """Output channel c * multiplier + q."""
    return reference.conv(x, reference.as_grouped(w), stride, _tf_pads(pads), dilation, groups=x.shape[-1])


def depthwise_conv2d_backprop_input(dy, w, x_shape, stride, dilation, pads):
    return reference.conv_backprop_input(tuple(x_shape), dy, reference.as_grouped(w), stride, _tf_pads(pads),
                                         dilation, groups=x_shape[-1])


def depthwise_conv2d_backprop_filter(x, dy, kernel, multiplier, stride, dilation, pads):
    c = x.shape[-1]
    grouped = reference.conv_backprop_filter(x, dy, (*kernel, 1, c * multiplier), stride, _tf_pads(pads), dilation,
                                             groups=c)
    return grouped.reshape((*kernel, c, multiplier))
