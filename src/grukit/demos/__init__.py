"""Small end-to-end runs that show the toolkit working on bundled data."""
