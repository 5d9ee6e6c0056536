"""The one exception type that command-line front ends turn into a one-line error."""


class InputError(ValueError):
    """Bad user input (file, folder, argument). The message names the offending path or value."""
