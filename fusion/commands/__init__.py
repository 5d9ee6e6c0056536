"""Sub-commands of ``rfn-nest``: one module each, defining ``register(subparsers)``.

Modules are discovered by ``fusion.runtime.cli.discover_commands``; adding a file adds a command.
"""
