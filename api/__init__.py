"""The HTTP face of Coffre (FastAPI): a thin layer over the registry services."""
