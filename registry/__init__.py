"""The register of a domiciliation service: usagers, domiciliations, decisions, mail, journal."""
