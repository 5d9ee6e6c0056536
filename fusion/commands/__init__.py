"""Sub-commands of ``rfn-nest``: one module each, defining ``register(subparsers)``.

Modules are discovered by ``rgbt_runtime.cli.discover_commands``; adding a file adds a command.
"""
