"""tensorweb.converter: reads models (ONNX today) and writes tensorweb-graph model.json plus weight shards."""

__version__ = "0.1.0"
