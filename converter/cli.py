"""The `convert` and `verify` commands (wired into `tensorweb` by py/tensorweb/cli.py).

Every failure is one message on stderr (naming the file at fault), and a failed
conversion leaves no output folder behind. Exit status:

    0  success
    1  verify: an output over the tolerance
    2  usage: bad arguments, or OUT cannot be written (it exists without --force,
       no permission, no such device, a full disk)
    3  the model cannot be read or converted as asked (unreadable, malformed,
       unsupported ops, options that do not fit it)
    4  an internal error: a bug in tensorweb (--debug prints its traceback)
"""

from __future__ import annotations

import argparse
import sys
import traceback

from .convert import ConvertOptions, ConvertSummary, convert
from .errors import ConversionError, OutputFolderError
from .progress import Progress
from .quantize import parse_rule
from .writer import DEFAULT_SHARD_MB

EXIT_OK = 0
EXIT_OVER_TOLERANCE = 1
EXIT_USAGE = 2
EXIT_MODEL = 3
EXIT_INTERNAL = 4
REPORT_HINT = ("this is a bug in tensorweb: please report it on the issue tracker of the repository you got tensorweb "
               "from, with the command, the traceback that --debug prints, and the model if you can share it")


def input_shape(spec: str) -> tuple[str, list[int]]:
    """NAME:1,224,224,3 (-1 leaves a dimension free)."""
    name, _, dims = spec.rpartition(":")
    try:
        shape = [int(d) for d in dims.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{spec!r} is not NAME:D1,D2,...") from None
    if not name or any(d < -1 or d == 0 for d in shape):
        raise argparse.ArgumentTypeError(f"{spec!r} is not NAME:D1,D2,... with positive sizes or -1")
    return name, shape


def add_convert_arguments(parser: argparse.ArgumentParser):
    parser.add_argument("source", metavar="SRC",
                        help="source model: .onnx, frozen TensorFlow .pb, SavedModel folder, Keras .keras or .h5, "
                             "TensorFlow.js model.json folder, TFLite .tflite")
    parser.add_argument("out", metavar="OUT", help="folder to write model.json and weight shards into")
    parser.add_argument("--quantize", action="append", default=[], metavar="TYPE[:PATTERN]",
                        help="float16, uint8 or uint16, optionally only for weights whose name matches the "
                             "pattern (uint8:*conv*); may be repeated, the first matching rule wins")
    parser.add_argument("--shard-size-mb", type=float, default=DEFAULT_SHARD_MB, metavar="N",
                        help=f"weight shard size in MiB (default {DEFAULT_SHARD_MB})")
    parser.add_argument("--input-shape", action="append", default=[], type=input_shape, metavar="NAME:D1,D2,...",
                        help="fix an input's shape (-1 keeps a dimension free); may be repeated")
    parser.add_argument("--signature", metavar="NAME",
                        help="SavedModel signature to convert (default serving_default)")
    parser.add_argument("--tags", type=lambda s: [t for t in s.split(",") if t], metavar="TAG[,TAG...]",
                        help="tags of the SavedModel meta graph to convert (default serve)")
    parser.add_argument("--output-format", choices=("graph", "layers"),
                        help="layers keeps a Keras / TF.js layers model's layers for training with the layers API "
                             "(their default); graph writes the op graph (everything else's only format)")
    parser.add_argument("--tokenizer", metavar="TOKENIZER.json",
                        help="a Hugging Face tokenizer.json to carry in model.json's metadata "
                             "(default: tokenizer.json beside SRC, if there is one)")
    parser.add_argument("--no-optimize", action="store_true", help="skip the graph optimisation passes")
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="draw a progress bar (default: only on a terminal)")
    add_debug_argument(parser)


def add_debug_argument(parser: argparse.ArgumentParser):
    parser.add_argument("--debug", action="store_true", help="print the traceback of an internal error")


def print_summary(summary: ConvertSummary, out: str):
    ops = ", ".join(f"{op} {count}" for op, count in summary.ops.items())
    print(f"wrote {out}: {sum(summary.ops.values())} ops ({ops})")
    print(f"  {summary.parameters:,} parameters, {summary.weight_bytes:,} bytes in {summary.shards} shard(s), "
          f"{summary.seconds:.2f} s")
    for note in summary.notes:
        print(f"  note: {note}")


def fail(command: str, message: str, status: int) -> int:
    print(f"tensorweb {command}: error: {message}", file=sys.stderr)
    return status


def internal_error(command: str, error: Exception, debug: bool) -> int:
    """A bug: one line saying where to report it, or with --debug the traceback first."""
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    return fail(command, f"internal error ({type(error).__name__}: {error}); {REPORT_HINT}", EXIT_INTERNAL)


def run_convert(args: argparse.Namespace) -> int:
    try:
        quantize = [parse_rule(s) for s in args.quantize]
    except ConversionError as e:
        return fail("convert", str(e), EXIT_USAGE)
    if args.shard_size_mb * 1024 * 1024 < 1:
        return fail("convert", "--shard-size-mb must be positive (at least one byte)", EXIT_USAGE)
    options = ConvertOptions(quantize=quantize, shard_size_mb=args.shard_size_mb,
                             input_shapes=dict(args.input_shape), optimize=not args.no_optimize,
                             force=args.force, signature=args.signature, tags=args.tags,
                             output_format=args.output_format, tokenizer=args.tokenizer)
    progress = Progress(enabled=args.progress)
    try:
        summary = convert(args.source, args.out, options, progress)
    except BaseException as e:
        progress.close()  # a bar cut short ends its line before the message
        if isinstance(e, OutputFolderError):
            return fail("convert", str(e), EXIT_USAGE)
        if isinstance(e, ConversionError):
            return fail("convert", str(e), EXIT_MODEL)
        if isinstance(e, MemoryError):
            return fail("convert", f"{args.source}: ran out of memory", EXIT_MODEL)
        if isinstance(e, RecursionError):
            return fail("convert", f"{args.source}: nested too deeply to read", EXIT_MODEL)
        if isinstance(e, OSError):  # the output side is an OutputFolderError: this is the source
            return fail("convert", f"{args.source}: cannot read: {e.strerror or e}", EXIT_MODEL)
        if isinstance(e, Exception):  # a converter bug must still end in one line unless --debug
            return internal_error("convert", e, args.debug)
        raise
    print_summary(summary, args.out)
    return EXIT_OK


def add_verify_arguments(parser: argparse.ArgumentParser):
    parser.add_argument("converted", metavar="OUT", help="folder written by `tensorweb convert`")
    parser.add_argument("--against", required=True, metavar="SRC", help="the source model")
    parser.add_argument("--inputs", metavar="FILE.npz", help="inputs by name (default: random, free dims 1)")
    parser.add_argument("--rtol", type=float, metavar="R",
                        help="largest error allowed, relative to each output's largest magnitude "
                             "(default 1e-4; 1e-2 for float16/uint16, 5e-2 for uint8 weights)")
    add_debug_argument(parser)


def run_verify(args: argparse.Namespace) -> int:
    from .verify import verify
    try:
        errors, rtol, runner = verify(args.converted, args.against, args.inputs, args.rtol)
    except ConversionError as e:
        return fail("verify", str(e), EXIT_MODEL)
    except OSError as e:
        return fail("verify", f"{e.filename or args.converted}: cannot read: {e.strerror or e}", EXIT_MODEL)
    except Exception as e:  # as in run_convert
        return internal_error("verify", e, args.debug)
    print(f"source run by {runner}; tolerance {rtol:g} of each output's largest magnitude")
    for e in errors:
        verdict = "ok" if e.relative <= rtol else "OVER"
        print(f"  {e.name}: max abs error {e.max_abs:.3g}, relative {e.relative:.3g}  {verdict}")
    return EXIT_OK if all(e.relative <= rtol for e in errors) else EXIT_OVER_TOLERANCE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tensorweb.converter.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    add_convert_arguments(commands.add_parser("convert", help="convert a model"))
    add_verify_arguments(commands.add_parser("verify", help="compare a converted model with its source"))
    args = parser.parse_args(argv)
    return run_convert(args) if args.command == "convert" else run_verify(args)


if __name__ == "__main__":
    sys.exit(main())
