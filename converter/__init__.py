"""tensorweb.converter: reads ONNX, TensorFlow (SavedModel, frozen GraphDef), Keras (.keras, .h5) and
TensorFlow.js models, and writes a tensorweb model.json (graph or layers) plus weight shards."""

from tensorweb import __version__  # noqa: F401  (the converter is versioned with tensorweb)
