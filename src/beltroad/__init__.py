"""beltroad: an open, offline model of the Belt and Road transport network."""
__version__ = "0.1.0"
