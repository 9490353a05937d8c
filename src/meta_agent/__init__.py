"""Meta-Agent: plain-English portfolio requests in, validated and archived results out."""

__version__ = "0.1.0"
__all__ = ["__version__"]
