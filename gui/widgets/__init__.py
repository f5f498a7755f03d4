"""Small widgets shared by several feature packages; none knows about a feature."""
