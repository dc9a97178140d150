"""spinemet: scores, decision support, registry and study analysis for metastatic spinal tumours.

Layers, each importing only those below it: ``errors`` -> ``scores`` -> ``pathway`` -> ``cohort`` ->
``analysis`` -> ``report`` -> ``registry`` -> ``cli``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
