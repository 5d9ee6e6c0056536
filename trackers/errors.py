"""The exception the tracker raises on bad input (boxes, frames, checkpoints)."""


class InputError(ValueError):
    """Bad user input; the message names the offending file or value."""
