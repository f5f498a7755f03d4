"""The map dock: core.embedding_map's 2-D map drawn as a raster, with lasso and topic filters."""
