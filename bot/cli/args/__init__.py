"""The command line's arguments, one module per area: light, so that `cocrea --help` answers at once."""
