"""A mistake the operator can correct, said in one line."""


class CliError(Exception):
    """Printed as ``cocrea: <message>``; the command exits with status 2."""
