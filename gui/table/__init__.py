"""The records table: its model over the review session, the filter bar and the detail pane."""
