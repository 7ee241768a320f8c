"""tensorweb: convert models once in Python; run and train them in the browser on WebGPU."""

from importlib.metadata import version

# pyproject.toml holds the version (package.json holds the same for npm; a test keeps them equal).
__version__ = version("tensorweb")
