"""The one error a build raises."""


class BuildError(Exception):
    """The portal could not be built; the live folder was not touched."""
