"""Data as a first-class citizen: fingerprints, snapshots, profiles and drift."""
