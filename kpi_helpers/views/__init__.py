"""What a reader sees: figures, tables, HTML and Markdown, escaped; the step views of the notebooks."""
