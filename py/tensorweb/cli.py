"""The `tensorweb` command: convert, verify, serve, bench, examples."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tensorweb import __version__

EXIT_OK = 0
EXIT_USAGE = 2  # argparse's own code for bad usage, and "cannot run here"


def _add_serve(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="serve your own pages, the demo gallery, the runtime bundle and converted models",
                            description="Serves DIR (your pages) at /, the runtime bundle at /tensorweb.js, converted "
                                        "models under /models/<name>/ and the demo gallery at /gallery/ (at / when no "
                                        "DIR is given), with live reload.")
    parser.add_argument("site", metavar="DIR", nargs="?", help="a folder of your own pages to serve at / (as --site)")
    parser.add_argument("--site", dest="site_option", metavar="DIR", help="the same as DIR")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind; 0 picks a free one (default: 8000)")
    parser.add_argument("--models", metavar="DIR", action="append", default=[],
                        help="a model folder, or a folder of model folders, to serve under /models/ (repeatable)")
    parser.add_argument("--open", action="store_true", help="open the gallery in a web browser")
    parser.add_argument("--no-reload", action="store_true",
                        help="do not watch DIR, the demos and a checkout's js/src/ and shaders/ (no rebuilds, no page "
                             "reloads)")
    parser.add_argument("--cors", metavar="ORIGIN", action="append", default=[],
                        help="let pages of ORIGIN (scheme://host[:port], or * for any) load the bundle, models and "
                             "files (repeatable; off by default; uploads stay this server's own)")
    parser.add_argument("--max-upload", metavar="MIB", type=int, default=1024,
                        help="largest model file the gallery accepts for conversion, in MiB (default: 1024)")
    parser.add_argument("--state-dir", metavar="DIR",
                        help="where uploads are converted and kept (default: .tensorweb/ in the checkout, or in "
                             "the current folder for an installed package)")

    def run(args: argparse.Namespace) -> int:
        from tensorweb.paths import NoCheckout
        from tensorweb.server.app import serve, valid_origin

        if args.site and args.site_option and Path(args.site).resolve() != Path(args.site_option).resolve():
            parser.error(f"two sites given: {args.site} and --site {args.site_option}; serve one folder")
        site = args.site or args.site_option
        if site is not None and not Path(site).is_dir():
            parser.error(f"{site}: not a folder")
        for folder in args.models:
            if not Path(folder).is_dir():
                parser.error(f"--models {folder}: not a folder")
        if args.max_upload < 1:
            parser.error("--max-upload must be at least 1 MiB")
        for origin in args.cors:
            if not valid_origin(origin):
                parser.error(f"--cors {origin}: not an origin (scheme://host[:port], as in http://localhost:5173, or *)")
        try:
            serve(host=args.host, port=args.port, site_dir=Path(site) if site else None,
                  model_dirs=[Path(f) for f in args.models], state_dir=Path(args.state_dir) if args.state_dir else None,
                  upload_limit=args.max_upload * 1024 * 1024, live_reload=not args.no_reload,
                  open_browser=args.open, cors_origins=args.cors)
        except NoCheckout as exc:
            print(f"tensorweb serve: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK

    parser.set_defaults(run=run)


def _add_converter_commands(sub: argparse._SubParsersAction) -> None:
    from tensorweb.converter import cli as converter_cli

    convert = sub.add_parser("convert", help="convert an ONNX, TensorFlow, Keras or TF.js model for the web")
    converter_cli.add_convert_arguments(convert)
    convert.set_defaults(run=converter_cli.run_convert)
    verify = sub.add_parser("verify", help="compare a converted model's outputs with its source's")
    converter_cli.add_verify_arguments(verify)
    verify.set_defaults(run=converter_cli.run_verify)


def _add_examples(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("examples", help="make the example models the demos use (needs PyTorch: "
                                             "pip install -e '.[examples]')")
    parser.add_argument("--out", metavar="DIR",
                        help="folder to build them into, one folder per model (default: .tensorweb/examples/ in the "
                             "checkout; serve it with `tensorweb serve --models DIR`)")
    parser.add_argument("--force", action="store_true", help="rebuild models that are up to date")

    def run(args: argparse.Namespace) -> int:
        from tensorweb.converter.errors import ConversionError
        from tensorweb.examples import MissingDependencies, make_examples

        try:
            make_examples(args.out, force=args.force)
        except MissingDependencies as e:
            print(f"tensorweb examples: {e}", file=sys.stderr)
            return EXIT_USAGE
        except ConversionError as e:
            print(f"tensorweb examples: error: {e}", file=sys.stderr)
            return EXIT_USAGE
        except Exception as e:  # a failed check or an export that broke: one line, as `convert` does
            print(f"tensorweb examples: error: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        return EXIT_OK

    parser.set_defaults(run=run)


def _add_bench(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "bench", help="benchmark tensorweb against TF.js and ONNX Runtime Web in headless Chromium",
        description="Runs scripts/bench.mjs: every workload on tensorweb, TensorFlow.js (webgpu) and "
                    "onnxruntime-web (webgpu) in one Chromium page on the same adapter; prints medians "
                    "and ratios (peer time / ours).")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--runs", type=int, default=5, metavar="N", help="timed runs per workload (default 5)")
    parser.add_argument("--warmup", type=int, default=2, metavar="N", help="untimed runs first (default 2)")
    parser.add_argument("--only", metavar="ID,ID", help="run only these workloads (ids as in the JSON)")
    parser.add_argument("--graph", action="store_true",
                        help="also compare converted models with onnxruntime-web, and MediaPipe's .tflite models "
                             "with LiteRT.js (make them first with .venv/bin/python bench/graph_models.py)")
    parser.add_argument("--models", metavar="NAME,NAME", help="with --graph: only these converted models")
    parser.add_argument("--native", action="store_true",
                        help="instead, time the runtime's hot kernels natively through wgpu on this machine's adapter, "
                             "with the kernel choices the runtime makes for it, beside its FMA peak and copy bandwidth "
                             "(and cuBLAS/cuDNN where PyTorch with CUDA is importable)")

    def run(args: argparse.Namespace) -> int:
        import shutil
        import subprocess

        from tensorweb.paths import NoCheckout, source_checkout

        try:
            root = source_checkout("tensorweb bench")
        except NoCheckout as exc:
            print(f"tensorweb bench: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if not (root / "js" / "dist" / "tensorweb.js").is_file() or shutil.which("node") is None:
            print("tensorweb bench: needs Node.js and the runtime bundle; run `make setup` (or npm ci && "
                  "npm run build) in the checkout first", file=sys.stderr)
            return EXIT_USAGE
        if args.native:
            if args.graph:
                print("tensorweb bench: --native times kernels, not converted models; leave out --graph", file=sys.stderr)
                return EXIT_USAGE
            from tensorweb import native_bench
            return native_bench.main(args.runs, args.warmup, args.only.split(",") if args.only else None,
                                     str(Path(args.json).resolve()) if args.json else None)
        command = ["node", str(root / "scripts" / "bench.mjs"), "--runs", str(args.runs), "--warmup", str(args.warmup)]
        if args.json:
            command += ["--json", str(Path(args.json).resolve())]
        if args.only:
            command += ["--only", args.only]
        if args.graph:
            command.append("--graph")
        if args.models:
            command += ["--models", args.models]
        return subprocess.run(command, cwd=root).returncode

    parser.set_defaults(run=run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tensorweb",
        description="Convert models once in Python; run and train them in the browser on WebGPU.",
    )
    parser.add_argument("--version", action="version", version=f"tensorweb {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_converter_commands(sub)
    _add_serve(sub)
    _add_bench(sub)
    _add_examples(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
