"""Visionswerk: municipalities in ILE regions develop their digital vision with 1-2-all."""

__version__ = "0.1.0"
