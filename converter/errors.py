"""Errors the converter reports to a person, each naming the file, node or field at fault."""

from __future__ import annotations


class ConversionError(Exception):
    """A model that cannot be converted; the message is one line meant for the user."""


class MalformedModelError(ConversionError):
    """The source file is unreadable, truncated or internally inconsistent."""


class UnsupportedOpsError(ConversionError):
    """Every unsupported node of a model, gathered before anything is written."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems  # (node name, op type, reason)
        lines = [f"{len(problems)} node(s) cannot be converted:"]
        lines += [f"  {name} ({op_type}): {reason}" for name, op_type, reason in problems]
        super().__init__("\n".join(lines))


class OutputFolderError(ConversionError):
    """OUT cannot be written (it exists without --force, no permission, no such device, a full disk): the fault
    is where the model goes, not the model."""


class ShapeError(ConversionError):
    """Shapes that cannot go together, found while inferring a node's output."""
