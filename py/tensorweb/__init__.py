"""tensorweb: convert models once in Python; run and train them in the browser on WebGPU."""

__version__ = "0.1.0"
