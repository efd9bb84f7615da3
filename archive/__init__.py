"""The coffre-fort: WORM storage of every document, with its journal."""
