"""Signal receivers of the policies app: rerun an enterprise's matching when its facts change (being built)."""
