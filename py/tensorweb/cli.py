"""The `tensorweb` command: convert, verify, serve, bench, examples."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from tensorweb import __version__

EXIT_OK = 0
EXIT_USAGE = 2  # argparse's own code for bad usage; also "not available yet"


def _not_available(command: str, issue: str) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        print(f"tensorweb {command}: not available yet ({issue} has not landed)", file=sys.stderr)
        return EXIT_USAGE

    return run


def _add_serve(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="serve the demo gallery, the runtime bundle and converted models")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default: 8000)")

    def run(args: argparse.Namespace) -> int:
        from tensorweb.server.app import serve

        serve(host=args.host, port=args.port)
        return EXIT_OK

    parser.set_defaults(run=run)


def _add_pending(sub: argparse._SubParsersAction, command: str, help_text: str, issue: str) -> None:
    parser = sub.add_parser(command, help=f"{help_text} (not available yet)")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.set_defaults(run=_not_available(command, issue))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tensorweb",
        description="Convert models once in Python; run and train them in the browser on WebGPU.",
    )
    parser.add_argument("--version", action="version", version=f"tensorweb {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_pending(sub, "convert", "convert an ONNX, TensorFlow, Keras or TF.js model for the web", "the converter issue")
    _add_pending(sub, "verify", "compare a converted model's outputs with its source's", "the converter issue")
    _add_serve(sub)
    _add_pending(sub, "bench", "benchmark tensorweb against TF.js and ONNX Runtime Web in Chromium", "the WebGPU backend issue")
    _add_pending(sub, "examples", "make the example models the demos use", "the demos issue")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
