"""gradio-gen runtime: what every generated client imports.

The public surface is assembled here; a test pins ``__all__``.
"""

from ._exceptions import *  # noqa: F403
from ._exceptions import __doc__ as _tree_doc  # noqa: F401
from ._spec import AppSpec, EndpointSpec, OutputSpec, ParameterSpec
from ._version import __version__

__all__ = ["AppSpec", "EndpointSpec", "OutputSpec", "ParameterSpec", "__version__"]
