"""Routing: natasha analysis, extraction, classification and the decision where a message goes.

This package never imports views; the web and the CLI call its services.
"""
