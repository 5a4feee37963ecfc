"""The serving process describes the stages without loading what runs them."""

import subprocess
import sys

PROBE = """
import sys
import web.cli
from pipeline import PipelineConfig, check_stages
check_stages(PipelineConfig())
print(' '.join(name for name in ('torch', 'dlib', 'onnxruntime') if name in sys.modules))
"""


def test_the_serving_process_never_imports_torch_or_dlib():
    # A fresh interpreter: this test process has long imported both for other tests.
    loaded = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            timeout=120, check=True).stdout.split()
    assert loaded == []
