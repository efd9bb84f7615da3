"""Domain services over the register; the CLI and the API are thin faces over these."""
