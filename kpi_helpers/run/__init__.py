"""Commands around the notebooks: batch, reports, PDF, validate, serve, workspace, CLI."""
