"""Plain helpers without the app: typed dates, record ids and text (blank, Russian stems)."""
