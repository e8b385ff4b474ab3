"""Places: the gazetteer that turns names and coordinates into places on the network, and the city sets.

A layer above the network (it indexes the network's places) and below scenarios and routing."""
from beltroad.places.gazetteer import DOMINANCE, Gazetteer, Place, PlaceError, normalize

__all__ = ["DOMINANCE", "Gazetteer", "Place", "PlaceError", "normalize"]
