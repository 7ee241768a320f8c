"""tensorweb.converter: reads ONNX, TensorFlow (SavedModel, frozen GraphDef), Keras (.keras, .h5) and
TensorFlow.js models, and writes a tensorweb model.json (graph or layers) plus weight shards."""

__version__ = "0.1.0"
