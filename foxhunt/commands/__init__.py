"""Sub-commands of ``foxhunt``. Each module defines ``register(subparsers)``, which adds its
parser and sets ``func`` to a callable taking the parsed arguments and returning an exit code."""

#: The order here is the order in ``foxhunt --help``.
COMMANDS: tuple[str, ...] = ("demo", "info", "decode", "check", "serve", "node", "user", "registers", "scan", "sensor", "locate")
