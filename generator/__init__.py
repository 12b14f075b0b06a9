"""gradio-gen: turn any Gradio app into a typed Python SDK.

This root package is deliberately tiny: importing ``gradio_gen_runtime`` (what generated
clients do) must not pull in the generator's dependencies (jinja2, datamodel-code-generator).
The generator lives in ``gradio_gen.cli`` and the modules it imports.
"""

from gradio_gen_runtime._version import __version__

__all__ = ["__version__"]
