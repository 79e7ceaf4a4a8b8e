"""Remix lineage: which record version is built on which, with what role; licences; blame."""
