"""Times `convert` on a ResNet-50-sized model (about 100 MB of float32 weights) and reports peak memory.

Not a test (pytest does not collect it): run `python tests/py/converter/benchmark_convert_100mb.py`.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import onnx

sys.path.insert(0, str(Path(__file__).parent))
from onnx_models import FLOAT, Builder, classifier_head  # noqa: E402


def resnet50():
    b = Builder(seed=0, opset=17)
    x = b.conv_bn("image", 3, 64, 7, stride=2)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    channels = 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for i in range(blocks):
            s = stride if i == 0 else 1
            y = b.conv_bn(x, channels, width, 1)
            y = b.conv_bn(y, width, width, 3, s)
            y = b.conv_bn(y, width, width * 4, 1, act=None)
            shortcut = b.conv_bn(x, channels, width * 4, 1, s, act=None) if i == 0 else x
            x = b.node("Relu", [b.node("Add", [y, shortcut])])
            channels = width * 4
    out = classifier_head(b, x, channels, classes=1000)
    return b.model([("image", FLOAT, ["batch", 3, 224, 224])], [out])


CONVERT_AND_REPORT_PEAK = (
    "import resource, sys; from tensorweb.converter.cli import main; status = main(sys.argv[1:]); "
    "print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024); sys.exit(status)")


def main():
    if sys.argv[1:2] == ["build"]:
        onnx.save(resnet50(), sys.argv[2])
        return
    folder = Path(tempfile.mkdtemp())
    source = folder / "resnet50.onnx"
    # built in a child process so that this one stays small: its memory would count towards the next child's peak
    subprocess.run([sys.executable, __file__, "build", str(source)], check=True)
    size = source.stat().st_size
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", CONVERT_AND_REPORT_PEAK, "convert", str(source), str(folder / "web")],
                            check=True, capture_output=True, text=True)
    seconds = time.monotonic() - started
    print(result.stdout.strip())
    peak = int(result.stdout.split("peak")[-1])
    print(f"model {size / 1e6:.1f} MB: converted in {seconds:.2f} s, peak resident memory {peak / 1e6:.1f} MB "
          f"({peak / size:.2f}x the model)")


if __name__ == "__main__":
    main()
