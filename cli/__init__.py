"""The `coffre` command line: a thin face over the registry services."""
