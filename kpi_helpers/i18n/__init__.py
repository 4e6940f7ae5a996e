"""Language: message catalogs per language and Babel formats."""
