"""Reading a `.keras` archive or a legacy `.h5` file into a KerasModel, isolated in a child process.

A `.keras` file is a zip (read through archive.SafeZip) of `config.json` and
`model.weights.h5`, whose `layers/<object path>/vars` groups carry the layer's
name in their `name` attribute and its weights as datasets `0`, `1`, ... in
the layer's weight order (a composite layer's are in its sublayers' groups,
weights.SUBLAYER_PATHS).  A legacy `.h5` keeps its config in the
`model_config` attribute and weights under `model_weights/<layer>/`, listed by
the group's `weight_names` attribute.

libhdf5 can loop forever on some corrupt files, inside C code no signal
interrupts, so both are read in a child process that is stopped after a
generous timeout (`isolated`).
"""

from __future__ import annotations

import math
import multiprocessing
import tempfile
from pathlib import Path

import h5py
import numpy as np

from ... import ops
from ...archive import SafeZip
from ...errors import ConversionError, MalformedModelError, UnsupportedOpsError
from ..loading import parse_json
from .config import KerasLayer, KerasModel, parse_model_config
from .weights import SUBLAYER_PATHS, name_weights

MAX_CONFIG_BYTES = 64 << 20


def h5_array(dataset, where: str) -> np.ndarray:
    if not isinstance(dataset, h5py.Dataset):
        raise MalformedModelError(f"{where}: {dataset.name} is not a dataset")
    if math.prod(dataset.shape) > ops.MAX_ELEMENTS:
        raise MalformedModelError(f"{where}: {dataset.name} has {math.prod(dataset.shape)} elements, past the limit")
    array = np.asarray(dataset[()])
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise ConversionError(f"{where}: weight {dataset.name} has dtype {array.dtype}")
    return array


def open_h5(path: Path, where: str):
    try:
        return h5py.File(path, "r")
    except (OSError, ValueError) as e:
        raise MalformedModelError(f"{where}: not a readable HDF5 file ({e})") from None


def numbered_arrays(group, where: str) -> list[np.ndarray]:
    """The datasets `0`, `1`, ... of a `vars` group, in order."""
    keys = sorted(group.keys(), key=lambda k: int(k) if k.isdigit() else -1)
    if any(not k.isdigit() for k in keys):
        raise MalformedModelError(f"{where}: {group.name} holds non-numbered entries {keys}")
    return [h5_array(group[k], where) for k in keys]


def keras3_weights(path: Path, layers: list[KerasLayer], where: str) -> dict[str, dict[str, np.ndarray]]:
    """Weights of a Keras 3 `model.weights.h5`: each `layers/<object path>` group has a `vars` group carrying
    the layer's name in its `name` attribute (a composite layer's weights are in its sublayers' groups)."""
    by_name = {layer.name: layer for layer in layers}
    found: dict[str, list[np.ndarray]] = {}
    with open_h5(path, where) as f:
        if "layers" not in f:
            raise MalformedModelError(f"{where}: model.weights.h5 has no 'layers' group")
        try:
            for group in f["layers"].values():
                own = group.get("vars") if isinstance(group, h5py.Group) else None
                if own is None or "name" not in own.attrs:
                    continue
                name = own.attrs["name"]
                name = name.decode() if isinstance(name, bytes) else str(name)
                arrays = numbered_arrays(own, where)
                for part in SUBLAYER_PATHS.get(by_name[name].class_name, ()) if name in by_name else ():
                    if f"{part}/vars" not in group:
                        raise MalformedModelError(f"{where}: layer {name!r} lacks its {part!r} weights")
                    arrays += numbered_arrays(group[f"{part}/vars"], where)
                found[name] = arrays
        except (OSError, RuntimeError, KeyError, ValueError, TypeError, UnicodeError) as e:
            raise MalformedModelError(f"{where}: model.weights.h5 is corrupt ({type(e).__name__}: {e})") from None
    return {layer.name: name_weights(layer, found.get(layer.name, []), where) for layer in layers}


def legacy_h5_weights(f, layers: list[KerasLayer], where: str) -> dict[str, dict[str, np.ndarray]]:
    """Weights of a legacy `.h5`: `model_weights/<layer>` groups listing theirs in `weight_names`."""
    root = f["model_weights"] if "model_weights" in f else f
    result = {}
    for layer in layers:
        arrays = []
        if layer.name in root:
            group = root[layer.name]
            for name in group.attrs.get("weight_names", []):
                name = name.decode() if isinstance(name, bytes) else str(name)
                if name not in group:
                    raise MalformedModelError(f"{where}: weight {name!r} of layer {layer.name!r} is missing")
                arrays.append(h5_array(group[name], where))
        result[layer.name] = name_weights(layer, arrays, where)
    return result


def read_keras_archive(path: Path, scratch: Path) -> KerasModel:
    """A `.keras` archive; its weights file is copied into the folder `scratch`, which the caller removes."""
    with SafeZip(path) as archive:
        for member in ("config.json", "model.weights.h5"):
            if not archive.has(member):
                raise MalformedModelError(f"{path}: not a Keras 3 archive (no {member})")
        config = parse_json(archive.read("config.json", MAX_CONFIG_BYTES), f"{path}: config.json")
        metadata = {}
        if archive.has("metadata.json"):
            metadata = parse_json(archive.read("metadata.json", MAX_CONFIG_BYTES), f"{path}: metadata.json")
        name, layers, inputs, outputs = parse_model_config(config, str(path))
        weights_file = scratch / "model.weights.h5"
        archive.extract_to("model.weights.h5", weights_file)
        weights = keras3_weights(weights_file, layers, f"{path}: model.weights.h5")
    return KerasModel(name, layers, inputs, outputs, weights, str(metadata.get("keras_version", "3")), "tensorflow")


def read_legacy_h5(path: Path) -> KerasModel:
    with open_h5(path, str(path)) as f:
        try:
            raw = f.attrs.get("model_config")
            if raw is None:
                raise ConversionError(f"{path}: holds weights only (no model_config); save the whole model")
            # h5py hands back undecodable bytes as surrogates; they make parse_json report bad UTF-8
            text = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else bytes(raw)
            config = parse_json(text, f"{path}: model_config")
            name, layers, inputs, outputs = parse_model_config(config, str(path))
            weights = legacy_h5_weights(f, layers, str(path))
            version = f.attrs.get("keras_version", "")
            backend = f.attrs.get("backend", "")
        except (OSError, RuntimeError, KeyError, ValueError, TypeError, UnicodeError) as e:
            raise MalformedModelError(f"{path}: corrupt HDF5 contents ({type(e).__name__}: {e})") from None
    as_text = lambda v: v.decode() if isinstance(v, bytes) else str(v)  # noqa: E731
    return KerasModel(name, layers, inputs, outputs, weights, as_text(version), as_text(backend))


def _report(sender, function, args):
    """The child side of `isolated`: sends back ("ok", result) or what went wrong."""
    try:
        sender.send(("ok", function(*args)))
    except UnsupportedOpsError as e:
        sender.send(("unsupported", e.problems))
    except MalformedModelError as e:
        sender.send(("malformed", str(e)))
    except ConversionError as e:
        sender.send(("conversion", str(e)))
    except Exception as e:  # noqa: BLE001 - anything else is reported by the parent as an internal error
        sender.send(("crash", f"{type(e).__name__}: {e}"))


def isolated(function, *args, what: str, timeout: float):
    """Runs function(*args) in a child process and returns its result.

    libhdf5 can loop forever on some corrupt files, inside C code no signal
    interrupts; in a child process such a read ends in an error after `timeout`.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_report, args=(sender, function, args), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise MalformedModelError(f"{what}: the HDF5 library did not finish reading it in {timeout:.0f} s "
                                      f"(corrupt files can make it loop)")
        kind, payload = receiver.recv()
    except EOFError:
        raise MalformedModelError(f"{what}: the HDF5 reader crashed (corrupt file?)") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if kind == "ok":
        return payload
    if kind == "unsupported":
        raise UnsupportedOpsError(payload)
    if kind == "malformed":
        raise MalformedModelError(payload)
    if kind == "conversion":
        raise ConversionError(payload)
    raise RuntimeError(payload)


def read_timeout(path: Path) -> float:
    """Generous: 2 minutes plus 10 s per 100 MB, far beyond what a sound file needs."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise MalformedModelError(f"{path}: cannot read ({e.strerror})") from None
    return 120 + size / 10e6


def read_model_file(path: Path) -> KerasModel:
    """A `.keras` archive or a legacy `.h5` file, read in a child process."""
    with tempfile.TemporaryDirectory(prefix="tensorweb-keras-") as scratch:
        if path.suffix.lower() == ".keras":
            return isolated(read_keras_archive, path, Path(scratch), what=str(path), timeout=read_timeout(path))
        return isolated(read_legacy_h5, path, what=str(path), timeout=read_timeout(path))
