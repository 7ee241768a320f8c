import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # onnx_models: the model builders beside the tests
