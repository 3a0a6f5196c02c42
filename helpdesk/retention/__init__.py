"""Retention (152-ФЗ): anonymise personal data of tickets closed long ago."""
