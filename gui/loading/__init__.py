"""Opening a file: the load job, column mapping, the load report and the on-disk change watch."""
