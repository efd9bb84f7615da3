"""PAdES signatures of decisions and attestations."""
